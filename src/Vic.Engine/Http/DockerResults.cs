using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Vic.Engine.Http;

/// <summary>
/// Writes responses the way dockerd does: JSON as <c>application/json</c> (no charset) ending with a line end (Go's
/// json.Encoder), whole and with its Content-Length (Go's server sends a finished small answer so; clients such as
/// docker-py only check the status of an unchunked answer on streaming endpoints), empty statuses without a body.
/// </summary>
internal static class DockerResults
{
    public static Task WriteJsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = DockerHeaders.JsonContentType;
        return WriteBodyAsync(context, JsonLine(value, typeInfo), context.RequestAborted);
    }

    /// <summary>The value as JSON followed by "\n", as Go's json.Encoder writes it.</summary>
    public static byte[] JsonLine<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        Array.Resize(ref json, json.Length + 1);
        json[^1] = (byte)'\n';
        return json;
    }

    /// <summary>A whole body with its Content-Length.</summary>
    public static async Task WriteBodyAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, cancellationToken);
    }

    /// <summary>
    /// One message of a JSON stream, its line end included, as one write and one chunk. Clients that split the stream
    /// by chunks (docker-py) choke on a chunk that holds only the line end when it is the last one.
    /// </summary>
    public static async Task WriteJsonLineAsync<T>(Stream body, T value, JsonTypeInfo<T> typeInfo, string lineEnd, CancellationToken cancellationToken)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        byte[] line = new byte[json.Length + lineEnd.Length];
        json.CopyTo(line, 0);
        System.Text.Encoding.ASCII.GetBytes(lineEnd, line.AsSpan(json.Length));
        await body.WriteAsync(line, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    public static Task WriteStatusAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
