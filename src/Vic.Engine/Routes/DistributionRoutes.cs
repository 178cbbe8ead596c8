using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// GET /distribution/{name}/json: the registry's manifest descriptor and platforms for an image, without pulling it
/// (docker manifest inspect's and docker-py's inspect_distribution). Names may hold slashes, so the route is a catch-all.
/// </summary>
internal sealed partial class DistributionRoutes(IImageService images) : IRouteGroup
{
    public void Map(IEndpointRouteBuilder routes) => routes.MapGet("/distribution/{**rest}", InspectAsync);

    private async Task InspectAsync(HttpContext context)
    {
        string rest = RequestValues.Route(context, "rest");
        if (!rest.EndsWith("/json", StringComparison.Ordinal) || rest.Length <= "/json".Length)
            throw new NotFoundException("page not found");
        string name = rest[..^"/json".Length];
        if (FullImageId().IsMatch(name))
            throw new InternalException("no manifest found for full image ID");
        // Credentials are optional here (a header that cannot be read counts as none, as with dockerd).
        var credentials = RegistryAuth.FromHeader(context.Request) ?? RegistryCredentials.Anonymous;
        var found = await images.InspectDistributionAsync(name, credentials, context.RequestAborted);
        var response = new DistributionInspectResponse
        {
            Descriptor = new DistributionDescriptorModel { MediaType = found.Descriptor.MediaType, Digest = found.Descriptor.Digest, Size = found.Descriptor.Size },
            Platforms = found.Platforms.Select(p => new DistributionPlatformModel
            {
                Architecture = p.Architecture,
                Os = p.Os,
                OsVersion = string.IsNullOrEmpty(p.OsVersion) ? null : p.OsVersion,
                OsFeatures = p.OsFeatures is { Count: > 0 } features ? [.. features] : null,
                Variant = string.IsNullOrEmpty(p.Variant) ? null : p.Variant,
            }).ToList(),
        };
        await DockerResults.WriteJsonAsync(context, response, EngineJson.Default.DistributionInspectResponse);
    }

    [GeneratedRegex("^(sha256:)?[0-9a-f]{64}$")]
    private static partial Regex FullImageId();
}
