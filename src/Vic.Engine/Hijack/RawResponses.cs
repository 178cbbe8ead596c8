using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Vic.Engine.Http;
using Vic.Engine.Models;

namespace Vic.Engine.Hijack;

/// <summary>Responses written straight onto a connection that Kestrel's HTTP layer never saw.</summary>
internal static class RawResponses
{
    public static async Task WriteErrorAsync(PipeWriter output, EngineOptions options, int status, string message, CancellationToken cancellationToken)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new ErrorResponse(message), EngineJson.Default.ErrorResponse);
        var head = new StringBuilder()
            .Append($"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\n")
            .Append($"Content-Type: {DockerHeaders.JsonContentType}\r\n")
            .Append($"Content-Length: {body.Length}\r\n")
            .Append("Connection: close\r\n");
        AppendDockerHeaders(head, options);
        head.Append("\r\n");
        await output.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
        await output.WriteAsync(body, cancellationToken);
    }

    /// <summary>dockerd's answer to a hijack: "101 UPGRADED" with the stream's content type.</summary>
    public static async Task WriteUpgradeAsync(PipeWriter output, EngineOptions options, string contentType, CancellationToken cancellationToken)
    {
        var head = new StringBuilder()
            .Append("HTTP/1.1 101 UPGRADED\r\n")
            .Append($"Content-Type: {contentType}\r\n")
            .Append("Connection: Upgrade\r\n")
            .Append("Upgrade: tcp\r\n");
        AppendDockerHeaders(head, options);
        head.Append("\r\n");
        await output.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
    }

    private static void AppendDockerHeaders(StringBuilder head, EngineOptions options)
    {
        foreach (var (name, value) in DockerHeaders.For(options))
            head.Append($"{name}: {value}\r\n");
    }
}
