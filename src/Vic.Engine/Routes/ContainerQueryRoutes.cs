using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Http;
using Vic.Engine.Mapping;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>Reading containers: ps, inspect and wait.</summary>
internal sealed class ContainerQueryRoutes(
    PortLayerServices portLayer, ContainerResolver resolver, ContainerFilter filter, TimeProvider time,
    Networks.PortPublisher ports, ContainerSizes sizes) : IRouteGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/containers/json", ListAsync);
        routes.MapGet("/containers/{id}/json", InspectAsync);
        routes.MapPost("/containers/{id}/wait", WaitAsync);
    }

    private async Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var all = await resolver.ListAsync(context.RequestAborted);
        var matches = await filter.ApplyAsync(
            all, RequestValues.String(query, "filters"), RequestValues.Bool(query, "all"),
            RequestValues.Int(query, "limit") ?? -1, context.RequestAborted);
        var now = time.GetUtcNow();
        var volumes = await VolumesByNameAsync(matches.Any(c => c.Info.Spec.Mounts.Count > 0), context.RequestAborted);
        var linkNames = LegacyLinks.NamesByTarget(all);
        var list = matches.Select(c => NetworkMapper.WithNetworks(ContainerMapper.ToSummary(c, now) with
        {
            Names = ["/" + c.Name, .. linkNames[c.Name]],
            Mounts = VolumeMapper.ToMountPoints(c.Info.Spec.Mounts, volumes),
        }, c, ports.PortsOf(c.Id))).ToList();
        if (RequestValues.Bool(query, "size"))
        {
            // One at a time: each measure may boot a VM, and the host's CPUs are shared with the containers.
            for (int i = 0; i < list.Count; i++)
            {
                var (rw, rootFs) = await sizes.MeasureAsync(matches[i], context.RequestAborted);
                list[i] = list[i] with { SizeRw = rw, SizeRootFs = rootFs };
            }
        }
        await DockerResults.WriteJsonAsync(context, list, EngineJson.Default.ListContainerSummary);
    }

    private async Task InspectAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        var volumes = await VolumesByNameAsync(c.Info.Spec.Mounts.Count > 0, context.RequestAborted);
        var inspect = NetworkMapper.WithNetworks(ContainerMapper.ToInspect(c) with { Mounts = VolumeMapper.ToMountPoints(c.Info.Spec.Mounts, volumes) }, c, ports.PortsOf(c.Id));
        if (RequestValues.Bool(context.Request.Query, "size"))
        {
            var (rw, rootFs) = await sizes.MeasureAsync(c, context.RequestAborted);
            inspect = inspect with { SizeRw = rw, SizeRootFs = rootFs };
        }
        await DockerResults.WriteJsonAsync(context, inspect, EngineJson.Default.ContainerInspect);
    }

    /// <summary>Volume locations for the Mounts' Source, read only when some container has mounts.</summary>
    private async Task<IReadOnlyDictionary<string, VolumeInfo>> VolumesByNameAsync(bool needed, CancellationToken cancellationToken) =>
        needed
            ? (await portLayer.Volumes.ListAsync(cancellationToken)).ToDictionary(v => v.Name, StringComparer.Ordinal)
            : new Dictionary<string, VolumeInfo>();

    /// <summary>
    /// The CLI issues wait before start and proceeds once the response headers arrive, so the wait is registered
    /// with the port layer first, then the headers are flushed, then the result follows when the container stops.
    /// </summary>
    private async Task WaitAsync(HttpContext context)
    {
        string? raw = RequestValues.String(context.Request.Query, "condition");
        var condition = raw switch
        {
            null or "" or "not-running" => WaitCondition.NotRunning,
            "next-exit" => WaitCondition.NextExit,
            "removed" => WaitCondition.Removed,
            _ => throw new InvalidArgumentException($"invalid condition: \"{raw}\""),
        };
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        var wait = portLayer.Containers.WaitAsync(c.Id, condition, context.RequestAborted);
        if (wait.IsFaulted)
            await wait; // Fails before the response began: a normal error answer.

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = DockerHeaders.JsonContentType;
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);

        ContainerWaitResponse result;
        try
        {
            var exit = await wait;
            result = new ContainerWaitResponse(exit.ExitCode, string.IsNullOrEmpty(exit.Error) ? null : new WaitExitError(exit.Error));
        }
        catch (PortLayerException e)
        {
            result = new ContainerWaitResponse(-1, new WaitExitError(e.Message));
        }
        await System.Text.Json.JsonSerializer.SerializeAsync(context.Response.Body, result, EngineJson.Default.ContainerWaitResponse, context.RequestAborted);
    }

    private static string Id(HttpContext context) => RequestValues.Route(context, "id");
}
