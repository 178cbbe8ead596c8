using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Vic.ImageC.Tests.Fakes;

/// <summary>
/// Ends a Kestrel connection in the middle of a response body with every byte sent before the break delivered.
/// Aborting through Kestrel alone discards whatever its output pipe still holds, so the client would receive a
/// varying part of what the test meant to send; here the head and the partial body are written to the socket
/// itself, then the sending side is shut (FIN after the data), and Kestrel is told to abort only once the client
/// has hung up.
/// </summary>
public static class BrokenConnection
{
    /// <param name="headers">The response headers, Content-Length included (the full length the body would have had).</param>
    public static async Task SendThenCloseAsync(HttpContext ctx, int status, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> partialBody)
    {
        var socket = ctx.Features.Get<IConnectionSocketFeature>()?.Socket
            ?? throw new InvalidOperationException("the server does not expose its sockets (Kestrel's socket transport does)");
        var head = new StringBuilder($"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        head.Append("\r\n");
        await SendAllAsync(socket, Encoding.ASCII.GetBytes(head.ToString()));
        await SendAllAsync(socket, partialBody);
        socket.Shutdown(SocketShutdown.Send);
        // Kestrel's abort may reset the connection, discarding what the kernel has not delivered yet; the client hangs
        // up once it has read up to the FIN, and that is when the connection may go.
        try
        {
            await Task.Delay(HangUpTimeout, ctx.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        ctx.Abort();
    }

    private static readonly TimeSpan HangUpTimeout = TimeSpan.FromSeconds(30);

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        while (data.Length > 0)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None);
            data = data[sent..];
        }
    }
}
