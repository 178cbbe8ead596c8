using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Exec;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// docker exec and docker top (which runs ps as an exec): create, inspect, resize, and the forms of start that reach Kestrel (detached, or a plain output
/// stream for a client that did not ask to upgrade). Hijacked starts are served by <see cref="Hijack.ExecHijack"/>.
/// </summary>
internal sealed class ExecRoutes(ExecService execs, ContainerResolver resolver, ProcessTable processes) : IRouteGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/containers/{id}/exec", CreateAsync);
        routes.MapPost("/exec/{id}/start", StartAsync);
        routes.MapGet("/exec/{id}/json", InspectAsync);
        routes.MapPost("/exec/{id}/resize", ResizeAsync);
        routes.MapGet("/containers/{id}/top", TopAsync);
    }

    private async Task TopAsync(HttpContext context)
    {
        var container = await resolver.ResolveAsync(RequestValues.Route(context, "id"), context.RequestAborted);
        var table = await processes.ListAsync(container, RequestValues.String(context.Request.Query, "ps_args"), context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, table, EngineJson.Default.ContainerTopResponse);
    }

    private async Task CreateAsync(HttpContext context)
    {
        var body = await RequestValues.JsonBodyAsync(context.Request, EngineJson.Default.ExecCreateRequest, context.RequestAborted);
        string id = await execs.CreateAsync(RequestValues.Route(context, "id"), body, context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, new IdResponse(id), EngineJson.Default.IdResponse, StatusCodes.Status201Created);
    }

    private async Task StartAsync(HttpContext context)
    {
        var body = await RequestValues.JsonBodyAsync(context.Request, EngineJson.Default.ExecStartRequest, context.RequestAborted)
            ?? new ExecStartRequest();
        var (instance, _) = await execs.ClaimAsync(RequestValues.Route(context, "id"), context.RequestAborted);
        if (body.Detach)
        {
            await execs.RunAsync(instance, body, null, null);
            await DockerResults.WriteStatusAsync(context, StatusCodes.Status200OK);
            return;
        }
        // Output only: a plain response has no channel for stdin.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = body.Tty ? DockerHeaders.RawStream : DockerHeaders.MultiplexedStream;
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await execs.RunAsync(instance, body, null, context.Response.Body);
    }

    private async Task InspectAsync(HttpContext context) =>
        await DockerResults.WriteJsonAsync(context, execs.Inspect(RequestValues.Route(context, "id")), EngineJson.Default.ExecInspect);

    private async Task ResizeAsync(HttpContext context)
    {
        var query = context.Request.Query;
        int height = RequestValues.Int(query, "h") ?? 0;
        int width = RequestValues.Int(query, "w") ?? 0;
        if (height is < 0 or > ushort.MaxValue || width is < 0 or > ushort.MaxValue)
            throw new InvalidArgumentException("invalid terminal size");
        await execs.ResizeAsync(RequestValues.Route(context, "id"), (ushort)height, (ushort)width, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status200OK);
    }
}
