using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Http;
using Vic.Engine.Mapping;
using Vic.Engine.Models;
using Vic.Engine.Volumes;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>docker volume create/ls/inspect/rm/prune over the port layer's volume store.</summary>
internal sealed class VolumeRoutes(PortLayerServices portLayer, Events.EventBroker events) : IRouteGroup
{
    private static readonly HashSet<string> ListFilters = ["dangling", "name", "label", "driver"];
    private static readonly HashSet<string> PruneFilters = ["label", "label!", "all"];

    private IVolumeStore Volumes => portLayer.Volumes;

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/volumes", ListAsync);
        routes.MapPost("/volumes/create", CreateAsync);
        routes.MapPost("/volumes/prune", PruneAsync);
        routes.MapGet("/volumes/{name}", InspectAsync);
        routes.MapDelete("/volumes/{name}", RemoveAsync);
    }

    private async Task CreateAsync(HttpContext context)
    {
        var body = await RequestValues.JsonBodyAsync(context.Request, EngineJson.Default.VolumeCreateRequest, context.RequestAborted)
            ?? new VolumeCreateRequest();
        VolumeDrivers.Check(body.Name ?? "", body.Driver);
        var volume = await Volumes.CreateAsync(new VolumeCreateSpec
        {
            Name = body.Name,
            Labels = body.Labels ?? [],
            Options = body.DriverOpts ?? [],
        }, context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, VolumeMapper.ToVolume(volume), EngineJson.Default.Volume, StatusCodes.Status201Created);
    }

    private async Task InspectAsync(HttpContext context)
    {
        var volume = await Volumes.InspectAsync(RequestValues.Route(context, "name"), context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, VolumeMapper.ToVolume(volume), EngineJson.Default.Volume);
    }

    private async Task ListAsync(HttpContext context)
    {
        var filters = DockerFilters.Parse(RequestValues.String(context.Request.Query, "filters"), ListFilters);
        bool? dangling = filters.Bool("dangling");
        var result = new List<Volume>();
        foreach (var v in await Volumes.ListAsync(context.RequestAborted))
        {
            if (filters.Has("name") && !filters.Get("name").Any(n => v.Name.Contains(n, StringComparison.Ordinal)))
                continue;
            if (filters.Has("driver") && !filters.Get("driver").Contains(VolumeDrivers.Local))
                continue;
            if (!filters.MatchesLabels("label", v.Labels))
                continue;
            if (dangling is { } wanted && (await Volumes.UsersAsync(v.Name, context.RequestAborted)).Count == 0 != wanted)
                continue;
            result.Add(VolumeMapper.ToVolume(v));
        }
        await DockerResults.WriteJsonAsync(context, new VolumeListResponse(result.OrderBy(v => v.Name, StringComparer.Ordinal).ToList(), []),
            EngineJson.Default.VolumeListResponse);
    }

    private async Task RemoveAsync(HttpContext context)
    {
        bool force = RequestValues.Bool(context.Request.Query, "force");
        await Volumes.RemoveAsync(RequestValues.Route(context, "name"), force, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    /// <summary>Unused volumes; since API 1.42 only anonymous ones unless all=true (what the CLI's --all sends).</summary>
    private async Task PruneAsync(HttpContext context)
    {
        var filters = DockerFilters.Parse(RequestValues.String(context.Request.Query, "filters"), PruneFilters);
        bool all = filters.Bool("all") ?? ApiVersion.Of(context) < new ApiVersion(1, 42);
        var deleted = new List<string>();
        long reclaimed = 0;
        foreach (var v in await Volumes.ListAsync(context.RequestAborted))
        {
            if (!all && !v.Labels.ContainsKey(VolumeDrivers.AnonymousLabel))
                continue;
            if (!filters.MatchesLabels("label", v.Labels) || (filters.Has("label!") && NegatedLabelMatches(filters.Get("label!"), v.Labels)))
                continue;
            if ((await Volumes.UsersAsync(v.Name, context.RequestAborted)).Count > 0)
                continue;
            try
            {
                await Volumes.RemoveAsync(v.Name, force: false, context.RequestAborted);
                deleted.Add(v.Name);
                reclaimed += v.AllocatedBytes;
            }
            catch (ConflictException)
            {
                // Taken by a container created meanwhile: not unused any more.
            }
        }
        // Each removal logged its destroy; dockerd then logs the prune with what it reclaimed.
        events.Publish(EventTypes.Volume, "prune", "", new Dictionary<string, string> { ["reclaimed"] = reclaimed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await DockerResults.WriteJsonAsync(context, new VolumePruneResponse(deleted, reclaimed), EngineJson.Default.VolumePruneResponse);
    }

    /// <summary>label! excludes a volume carrying any of the given labels (key, or key=value).</summary>
    private static bool NegatedLabelMatches(IReadOnlyList<string> wanted, IReadOnlyDictionary<string, string> labels) =>
        wanted.Any(w =>
        {
            int eq = w.IndexOf('=');
            return eq < 0 ? labels.ContainsKey(w) : labels.TryGetValue(w[..eq], out var value) && value == w[(eq + 1)..];
        });
}
