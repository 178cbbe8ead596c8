using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Vic.Engine.Exec;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Hijack;

/// <summary>POST /exec/{id}/start served on a hijacked connection: 101 UPGRADED, then the exec's stdio both ways.</summary>
internal sealed class ExecHijack(EngineOptions options, ExecService execs)
{
    /// <summary>True for "/exec/{id}/start".</summary>
    public static bool Matches(string? path) => ExecIdOf(path) is not null;

    private static string? ExecIdOf(string? path)
    {
        var parts = path?.Split('/');
        return parts is ["", "exec", { Length: > 0 } id, "start"] ? id : null;
    }

    public async Task ServeAsync(ConnectionContext connection, RawHttpRequest request)
    {
        var output = connection.Transport.Output;
        // As with attach, the connection's ConnectionClosed token is not used: it fires on the client's half-close.
        var token = CancellationToken.None;
        ExecStartRequest body;
        ExecInstance instance;
        try
        {
            body = Parse(request.Body);
            (instance, _) = await execs.ClaimAsync(ExecIdOf(request.UnversionedPath())!, token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (status, message) = ErrorMapping.Map(e);
            await RawResponses.WriteErrorAsync(output, options, status, message, token);
            return;
        }
        string contentType = body.Tty ? DockerHeaders.RawStream : DockerHeaders.MultiplexedStream;
        await RawResponses.WriteUpgradeAsync(output, options, contentType, token);
        if (body.Detach)
        {
            await execs.RunAsync(instance, body, null, null);
            return;
        }
        await execs.RunAsync(instance, body, connection.Transport.Input.AsStream(leaveOpen: true), new AttachHijack.FlushingPipeStream(output));
    }

    private static ExecStartRequest Parse(byte[] body)
    {
        if (body.Length == 0)
            return new ExecStartRequest();
        try
        {
            return JsonSerializer.Deserialize(body, EngineJson.Default.ExecStartRequest) ?? new ExecStartRequest();
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException("invalid JSON: " + e.Message);
        }
    }
}
