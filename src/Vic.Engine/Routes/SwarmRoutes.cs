using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// Swarm mode: a VCH is never part of a swarm. Every cluster endpoint answers as dockerd answers while swarm is
/// inactive (503 with its wording), so clients that probe swarm state, or clean up with "leave --force", behave
/// as they do against a standalone engine. Joining or creating a swarm is refused as not implemented.
/// </summary>
internal sealed class SwarmRoutes : IRouteGroup
{
    /// <summary>dockerd's answer to cluster requests on a node outside any swarm.</summary>
    public const string NotAManager = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.";

    /// <summary>dockerd's answer to "swarm leave" on a node outside any swarm.</summary>
    public const string NotInASwarm = "This node is not part of a swarm";

    public const string NoSwarmMode = "swarm mode is not supported by this VCH: each container is a VM of this host";

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/swarm/init", _ => throw new NotSupportedByBackendException(NoSwarmMode));
        routes.MapPost("/swarm/join", _ => throw new NotSupportedByBackendException(NoSwarmMode));
        routes.MapPost("/swarm/leave", _ => throw new UnavailableException(NotInASwarm));
        routes.MapGet("/swarm", NotManager);
        routes.MapGet("/swarm/unlockkey", NotManager);
        routes.MapPost("/swarm/update", NotManager);
        routes.MapPost("/swarm/unlock", NotManager);
        foreach (string resource in (string[])["services", "nodes", "tasks", "secrets", "configs"])
        {
            routes.MapGet($"/{resource}", NotManager);
            routes.MapGet($"/{resource}/{{id}}", NotManager);
            routes.MapDelete($"/{resource}/{{id}}", NotManager);
            routes.MapPost($"/{resource}/{{id}}/update", NotManager);
        }
        foreach (string resource in (string[])["services", "secrets", "configs"])
            routes.MapPost($"/{resource}/create", NotManager);
        routes.MapGet("/services/{id}/logs", NotManager);
        routes.MapGet("/tasks/{id}/logs", NotManager);
    }

    private static Task NotManager(HttpContext context) => throw new UnavailableException(NotAManager);
}
