using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// Just enough QMP (QEMU's JSON monitor) to power a VM off: greeting, capabilities negotiation, one command.
/// Used for forced stops; future pause/resume would add commands here.
/// </summary>
internal static class QmpClient
{
    /// <summary>Sends "quit" to the VM's QMP socket. False when the socket is gone or QEMU did not answer in time.</summary>
    public static async Task<bool> QuitAsync(string vmDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using Socket socket = await UnixSocketConnector.ConnectAsync(vmDirectory, Storage.DatastoreLayout.QmpSocketFile, deadline.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await ReadReplyAsync(reader, deadline.Token); // greeting
            await stream.WriteAsync("{\"execute\":\"qmp_capabilities\"}\n"u8.ToArray(), deadline.Token);
            await ReadReplyAsync(reader, deadline.Token);
            await stream.WriteAsync("{\"execute\":\"quit\"}\n"u8.ToArray(), deadline.Token);
            await ReadReplyAsync(reader, deadline.Token);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or JsonException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    /// <summary>Reads lines until one is a greeting, a return or an error (skipping asynchronous events).</summary>
    private static async Task ReadReplyAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            string? line = await reader.ReadLineAsync(cancellationToken) ?? throw new IOException("QMP connection closed");
            using var doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            if (root.TryGetProperty("QMP", out _) || root.TryGetProperty("return", out _))
                return;
            if (root.TryGetProperty("error", out JsonElement error))
                throw new IOException($"QMP error: {error}");
        }
    }
}
