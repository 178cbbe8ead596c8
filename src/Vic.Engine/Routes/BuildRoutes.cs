using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// docker build: not implemented yet (RUN steps would execute in a containerVM and be committed as a layer).
/// Answered with 501 and a message that says so, rather than the fallback's "page not found".
/// </summary>
internal sealed class BuildRoutes : IRouteGroup
{
    public const string NoBuild = "docker build is not supported by this VCH yet: build the image elsewhere and push it to a registry, or docker load it";

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/build", _ => throw new NotSupportedByBackendException(NoBuild));
        routes.MapPost("/build/prune", _ => throw new NotSupportedByBackendException(NoBuild));
        routes.MapPost("/build/cancel", _ => throw new NotSupportedByBackendException(NoBuild));
        routes.MapPost("/session", _ => throw new NotSupportedByBackendException(NoBuild));
    }
}
