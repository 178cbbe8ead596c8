using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// Just enough QMP (QEMU's JSON monitor) for one command per connection: greeting, capabilities negotiation, the
/// command. Used for forced stops, pause/unpause and statistics.
/// </summary>
internal static class QmpClient
{
    /// <summary>Sends "quit" to the VM's QMP socket. False when the socket is gone or QEMU did not answer in time.</summary>
    public static async Task<bool> QuitAsync(string vmDirectory, TimeSpan timeout, CancellationToken cancellationToken) =>
        await ExecuteAsync(vmDirectory, "quit", timeout, cancellationToken) is not null;

    /// <summary>
    /// Runs one QMP command ("stop", "cont", "query-status", "balloon"...) with its arguments, if any, and returns its
    /// "return" value; null when the socket is gone, QEMU refused the command or did not answer in time.
    /// </summary>
    public static async Task<JsonElement?> ExecuteAsync(string vmDirectory, string command, TimeSpan timeout, CancellationToken cancellationToken,
        System.Text.Json.Nodes.JsonObject? arguments = null)
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
            // Commands are the backend's own constants, never user input; arguments are serialized, never spliced.
            var request = new System.Text.Json.Nodes.JsonObject { ["execute"] = command };
            if (arguments is not null)
                request["arguments"] = arguments;
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), deadline.Token);
            return await ReadReplyAsync(reader, deadline.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or JsonException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
    }

    /// <summary>Reads lines until one is a greeting, a return or an error (skipping asynchronous events).</summary>
    private static async Task<JsonElement> ReadReplyAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            string? line = await reader.ReadLineAsync(cancellationToken) ?? throw new IOException("QMP connection closed");
            using var doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            if (root.TryGetProperty("QMP", out JsonElement greeting))
                return greeting.Clone();
            if (root.TryGetProperty("return", out JsonElement value))
                return value.Clone();
            if (root.TryGetProperty("error", out JsonElement error))
                throw new IOException($"QMP error: {error}");
        }
    }
}
