using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>docker update and docker container prune.</summary>
internal sealed class ContainerMaintenanceRoutes(PortLayerServices portLayer, ContainerResolver resolver, TimeProvider time, Events.EventBroker events) : IRouteGroup
{
    /// <summary>The update fields a containerVM honours; any other one the client sets is refused, not ignored.</summary>
    private static readonly IReadOnlySet<string> Honoured = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Memory", "MemorySwap", "NanoCpus", "CpuPeriod", "CpuQuota", "CpuShares", "CpusetCpus", "RestartPolicy",
    };

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/containers/{id}/update", UpdateAsync);
        routes.MapPost("/containers/prune", PruneAsync);
    }

    private async Task UpdateAsync(HttpContext context)
    {
        var body = await RequestValues.JsonBodyAsync(context.Request, EngineJson.Default.ContainerUpdateRequest, context.RequestAborted)
            ?? new ContainerUpdateRequest();
        var c = await resolver.ResolveAsync(RequestValues.Route(context, "id"), context.RequestAborted);
        foreach (var (field, value) in body.Extra ?? [])
        {
            if (!Honoured.Contains(field) && IsSet(value))
                throw new InvalidArgumentException($"Cannot update container {c.Id}: {field} cannot be set on a containerVM");
        }

        var hc = c.HostConfig with { };
        if (body.Memory != 0)
            hc.Memory = body.Memory;
        if (body.MemorySwap != 0)
            hc.MemorySwap = body.MemorySwap;
        if (body.NanoCpus != 0)
            hc.NanoCpus = body.NanoCpus;
        if (body.CpuPeriod != 0)
            hc.CpuPeriod = body.CpuPeriod;
        if (body.CpuQuota != 0)
            hc.CpuQuota = body.CpuQuota;
        if (body.CpusetCpus.Length > 0)
            hc.CpusetCpus = body.CpusetCpus;
        // The VM's CPU weight; a running VM's changes at once (the backend re-weights its process).
        if (body.CpuShares != 0)
            hc.CpuShares = body.CpuShares;
        bool restartChanged = !string.IsNullOrEmpty(body.RestartPolicy?.Name);
        if (restartChanged)
        {
            if (c.HostConfig.AutoRemove)
                throw new InvalidArgumentException("Restart policy cannot be updated because AutoRemove is enabled for the container");
            hc.RestartPolicy = body.RestartPolicy;
        }

        var facts = await portLayer.Host.GetFactsAsync(context.RequestAborted);
        var (memory, cpus) = ResourceValidator.Validate(hc, facts.Cpus);
        var update = new ContainerUpdate
        {
            Restart = restartChanged ? RestartPolicies.ToSpec(hc.RestartPolicy) : null,
            MemoryBytes = hc.Memory != c.HostConfig.Memory ? memory : null,
            Cpus = body.NanoCpus != 0 || body.CpuQuota != 0 || body.CpusetCpus.Length > 0 ? cpus : null,
            CpuShares = body.CpuShares != 0 ? body.CpuShares : null,
            Annotations = DockerAnnotations.Replace(c, hc),
        };
        await portLayer.Containers.UpdateAsync(c.Id, update, context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, new ContainerUpdateResponse([]), EngineJson.Default.ContainerUpdateResponse);
    }

    private static bool IsSet(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.False or JsonValueKind.Undefined => false,
        JsonValueKind.Number => value.GetDouble() != 0,
        JsonValueKind.String => value.GetString()!.Length > 0,
        JsonValueKind.Array => value.GetArrayLength() > 0,
        JsonValueKind.Object => value.EnumerateObject().Any(p => IsSet(p.Value)),
        _ => true,
    };

    /// <summary>Removes every container that is not running (nor paused, nor restarting) and matches the filters.</summary>
    private async Task PruneAsync(HttpContext context)
    {
        var filter = PruneFilter.Parse(RequestValues.String(context.Request.Query, "filters"), time.GetUtcNow());
        var deleted = new List<string>();
        ulong reclaimed = 0;
        foreach (var c in await resolver.ListAsync(context.RequestAborted))
        {
            if (c.IsRunning || !filter.Matches(c))
                continue;
            try
            {
                await portLayer.Containers.RemoveAsync(c.Id, force: false, context.RequestAborted);
                deleted.Add(c.Id);
                reclaimed += (ulong)(c.Info.DiskBytes ?? 0);
            }
            catch (Exception e) when (e is NotFoundException or ConflictException)
            {
                // Removed or started by someone else meanwhile: not ours to report.
            }
        }
        await DockerResults.WriteJsonAsync(context,
            PruneEvent(EventTypes.Container, reclaimed, new ContainerPruneResponse(deleted.Count == 0 ? null : deleted, reclaimed)), EngineJson.Default.ContainerPruneResponse);
    }

    /// <summary>dockerd logs a prune with what it reclaimed, once the prune is done.</summary>
    private T PruneEvent<T>(string type, ulong reclaimed, T response)
    {
        events.Publish(type, "prune", "", new Dictionary<string, string> { ["reclaimed"] = reclaimed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return response;
    }
}
