using Microsoft.AspNetCore.Routing;

namespace Vic.Engine.Routes;

/// <summary>One Docker resource's routes (STYLE 7), registered unversioned: the edge strips /v1.xx.</summary>
internal interface IRouteGroup
{
    void Map(IEndpointRouteBuilder routes);
}
