using Microsoft.AspNetCore.Http;

namespace Vic.Engine.Http;

/// <summary>
/// The edge: stamps dockerd's headers on every response, then parses the URL's version prefix once, rejects
/// versions outside [1.24, 1.44] and strips the prefix so routes are registered once, unversioned.
/// </summary>
internal sealed class ApiVersionMiddleware(RequestDelegate next, EngineOptions options)
{
    public Task InvokeAsync(HttpContext context)
    {
        foreach (var (name, value) in DockerHeaders.For(options))
            context.Response.Headers[name] = value;

        var version = ApiVersion.Current;
        if (ApiVersion.TrySplitPath(context.Request.Path.Value ?? "", out var text, out var rest))
        {
            version = ApiVersion.ParseSupported(text);
            context.Request.Path = rest;
        }
        ApiVersion.Set(context, version);
        return next(context);
    }
}
