using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Hijack;
using Vic.Engine.Http;
using Vic.Engine.Mapping;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// Container output: logs, and the forms of attach that reach Kestrel (no body: Kestrel's own upgrade; no
/// Upgrade header: a plain streaming response). Hijacked attaches are served by <see cref="AttachHijack"/>.
/// </summary>
internal sealed class ContainerStreamRoutes(PortLayerServices portLayer, ContainerResolver resolver, AttachStreamer streamer) : IRouteGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/containers/{id}/logs", LogsAsync);
        routes.MapPost("/containers/{id}/attach", AttachAsync);
    }

    private async Task LogsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        bool stdout = RequestValues.Bool(query, "stdout");
        bool stderr = RequestValues.Bool(query, "stderr");
        if (!stdout && !stderr)
            throw new InvalidArgumentException("Bad parameters: you must choose at least one stream");
        bool timestamps = RequestValues.Bool(query, "timestamps");
        bool details = RequestValues.Bool(query, "details");
        var options = new LogReadOptions
        {
            Stdout = stdout,
            Stderr = stderr,
            Follow = RequestValues.Bool(query, "follow"),
            Tail = ParseTail(RequestValues.String(query, "tail")),
            Since = RequestValues.UnixTime(query, "since"),
            Until = RequestValues.UnixTime(query, "until"),
        };
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        bool raw = c.Tty;
        // dockerd: "<attributes> " after the timestamp; a container without attributes still gets the space.
        string? attributes = details ? LogAttributes.Prefix(c) + " " : null;

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = raw || ApiVersion.Of(context) < new ApiVersion(1, 42) ? DockerHeaders.RawStream : DockerHeaders.MultiplexedStream;
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);

        var body = context.Response.Body;
        await foreach (var chunk in portLayer.Interaction.ReadOutputAsync(c.Id, options, context.RequestAborted))
        {
            var data = timestamps || attributes is not null ? WithPrefixes(chunk, timestamps, attributes) : chunk.Data;
            await StreamFraming.WriteAsync(body, chunk.Stream, data, raw, context.RequestAborted);
            await body.FlushAsync(context.RequestAborted);
        }
    }

    private static int? ParseTail(string? tail) =>
        int.TryParse(tail, out int n) && n >= 0 ? n : null; // "all", empty or junk: everything, as dockerd.

    /// <summary>docker logs -t and --details: every line starts with the chunk's time (fixed-width RFC3339 nanoseconds)
    /// and then the container's log attributes, in dockerd's order.</summary>
    private static ReadOnlyMemory<byte> WithPrefixes(OutputChunk chunk, bool timestamps, string? attributes)
    {
        string prefix = (timestamps ? DockerTime.Rfc3339NanoFixed(chunk.Timestamp) + " " : "") + attributes;
        var text = Encoding.UTF8.GetString(chunk.Data.Span);
        var builder = new StringBuilder();
        int start = 0;
        while (start < text.Length)
        {
            int newline = text.IndexOf('\n', start);
            int end = newline < 0 ? text.Length : newline + 1;
            builder.Append(prefix).Append(text, start, end - start);
            start = end;
        }
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private async Task AttachAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        var options = AttachOptions.From(context.Request.Query);
        var session = streamer.Begin(c, options, context.RequestAborted);
        Stream? input = null;
        Stream output = context.Response.Body;
        try
        {
            context.Response.ContentType = session.ContentType;
            var upgrade = context.Features.Get<IHttpUpgradeFeature>();
            bool wantsTcp = context.Request.Headers.Upgrade.ToString().Contains("tcp", StringComparison.OrdinalIgnoreCase);
            if (upgrade is { IsUpgradableRequest: true } && wantsTcp)
            {
                context.Response.Headers.Upgrade = "tcp";
                input = output = await upgrade.UpgradeAsync();
            }
            else
            {
                // Output only: a plain response has no channel for stdin.
                context.Response.StatusCode = StatusCodes.Status200OK;
                await context.Response.StartAsync(context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
        await streamer.RunAsync(session, input, output);
    }

    private static string Id(HttpContext context) => RequestValues.Route(context, "id");
}
