using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// Managed plugins: a VCH runs no plugin processes (volumes and networks are built in), so none is ever installed.
/// Listing answers an empty list and naming a plugin answers dockerd's 404; installing one is not implemented.
/// </summary>
internal sealed class PluginRoutes : IRouteGroup
{
    public const string NoPlugins = "plugins are not supported by this VCH: volumes and networks are built in";

    /// <summary>Actions on an installed plugin; the name before them may itself hold slashes (vieux/sshfs:latest).</summary>
    private static readonly string[] PluginActions = ["/json", "/enable", "/disable", "/push", "/set", "/upgrade"];

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/plugins", context => DockerResults.WriteJsonAsync(context, new List<EmptyObject>(), EngineJson.Default.ListEmptyObject));
        routes.MapGet("/plugins/privileges", _ => throw new NotSupportedByBackendException(NoPlugins));
        routes.MapPost("/plugins/pull", _ => throw new NotSupportedByBackendException(NoPlugins));
        routes.MapPost("/plugins/create", _ => throw new NotSupportedByBackendException(NoPlugins));
        routes.MapMethods("/plugins/{**rest}", [HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete], NamedAsync);
    }

    /// <summary>DELETE /plugins/{name} and /plugins/{name}/{action}: no plugin exists, so every name is not found.</summary>
    private static Task NamedAsync(HttpContext context)
    {
        string rest = RequestValues.Route(context, "rest");
        string name = rest;
        if (!HttpMethods.IsDelete(context.Request.Method))
        {
            string? action = PluginActions.FirstOrDefault(a => rest.EndsWith(a, StringComparison.Ordinal) && rest.Length > a.Length);
            if (action is null)
                throw new NotFoundException("page not found");
            name = rest[..^action.Length];
        }
        throw new NotFoundException($"plugin \"{name}\" not found");
    }
}
