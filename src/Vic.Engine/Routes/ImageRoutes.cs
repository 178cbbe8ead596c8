using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Http;
using Vic.Engine.Images;
using Vic.Engine.Mapping;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// Images: pull, list, inspect, history, tag, remove, load and save. Image names may contain '/'
/// ("127.0.0.1:5000/x/busybox"), so per-image routes are one catch-all split by their last segment.
/// </summary>
internal sealed class ImageRoutes(IImageService images, ContainerResolver containers, ImageFilter filter, ImageEvents events, ImagePruner pruner) : IRouteGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/images/create", PullAsync);
        routes.MapGet("/images/json", ListAsync);
        routes.MapPost("/images/load", LoadAsync);
        routes.MapGet("/images/get", SaveManyAsync);
        routes.MapGet("/images/search", _ => throw new NotSupportedByBackendException("docker search is not supported by this VCH"));
        routes.MapPost("/images/prune", PruneAsync);
        routes.MapGet("/images/{**rest}", GetImageAsync);
        routes.MapPost("/images/{**rest}", PostImageAsync);
        routes.MapDelete("/images/{**rest}", RemoveAsync);
    }

    private async Task PullAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!string.IsNullOrEmpty(RequestValues.String(query, "fromSrc")))
        {
            await ImageImport.RunAsync(context, images, events);
            return;
        }
        string image = RequestValues.String(query, "fromImage") ?? "";
        if (image.Length == 0)
            throw new InvalidArgumentException("fromImage is required");
        string tag = RequestValues.String(query, "tag") ?? "";
        string? platform = RequestValues.String(query, "platform");
        var credentials = RegistryAuth.FromHeader(context.Request) ?? RegistryCredentials.Anonymous;
        var stream = new JsonMessageStream(context);
        await stream.RunAsync(async progress =>
        {
            if (tag.Length == 0)
            {
                // No tag is how the API asks for every tag (docker pull --all-tags); an image that names its own tag or
                // digest gets just that. Old clients may leave a trailing ':' on the name (dockerd drops it too).
                string repository = image.EndsWith(':') ? image[..^1] : image;
                await images.PullAllTagsAsync(repository, string.IsNullOrEmpty(platform) ? null : platform, credentials, progress, context.RequestAborted);
                return [];
            }
            string reference = tag.StartsWith("sha256:", StringComparison.Ordinal) ? $"{image}@{tag}" : $"{image}:{tag}";
            await images.PullAsync(reference, string.IsNullOrEmpty(platform) ? null : platform, credentials, progress, context.RequestAborted);
            await events.PulledAsync(reference, context.RequestAborted);
            return [];
        });
    }

    private async Task ListAsync(HttpContext context)
    {
        var all = await images.ListAsync(context.RequestAborted);
        var matches = await filter.ApplyAsync(all, RequestValues.String(context.Request.Query, "filters"), context.RequestAborted);
        var version = ApiVersion.Of(context);
        var list = matches.OrderByDescending(i => i.Created).Select(i => ImageMapper.ToSummary(i, version)).ToList();
        await DockerResults.WriteJsonAsync(context, list, EngineJson.Default.ListImageSummary);
    }

    private async Task GetImageAsync(HttpContext context)
    {
        var (name, action) = Split(context);
        switch (action)
        {
            case "json":
                var image = await FindAsync(name, context.RequestAborted);
                await DockerResults.WriteJsonAsync(context, ImageMapper.ToInspect(image, ApiVersion.Of(context)), EngineJson.Default.ImageInspect);
                break;
            case "history":
                var history = ImageMapper.ToHistory(await FindAsync(name, context.RequestAborted));
                await DockerResults.WriteJsonAsync(context, history, EngineJson.Default.ListImageHistoryItem);
                break;
            case "get":
                await SaveAsync(context, [name]);
                break;
            default:
                throw new NotFoundException("page not found");
        }
    }

    private async Task PostImageAsync(HttpContext context)
    {
        var (name, action) = Split(context);
        switch (action)
        {
            case "tag":
                string repo = RequestValues.String(context.Request.Query, "repo") ?? "";
                if (repo.Length == 0)
                    throw new InvalidArgumentException("repository name must have at least one component");
                string tag = RequestValues.String(context.Request.Query, "tag") ?? "";
                string target = tag.Length == 0 ? repo : $"{repo}:{tag}";
                await images.TagAsync(name, target, context.RequestAborted);
                await events.TaggedAsync(target, context.RequestAborted);
                await DockerResults.WriteStatusAsync(context, StatusCodes.Status201Created);
                break;
            case "push":
                await PushAsync(context, name);
                break;
            default:
                throw new NotFoundException("page not found");
        }
    }

    /// <summary>
    /// docker push. Credentials come from X-Registry-Auth, or (old clients) a JSON body; no tag pushes every local tag
    /// of the repository. Progress and the final aux message stream as dockerd writes them.
    /// </summary>
    private async Task PushAsync(HttpContext context, string name)
    {
        var credentials = RegistryAuth.FromHeader(context.Request);
        if (credentials is null)
        {
            try
            {
                credentials = RegistryAuth.ToCredentials(await RegistryAuth.ReadBodyAsync(context.Request, context.RequestAborted));
            }
            catch (InvalidArgumentException e)
            {
                throw new InvalidArgumentException("bad parameters and missing X-Registry-Auth: " + e.Message);
            }
        }
        string? tag = RequestValues.String(context.Request.Query, "tag");
        var stream = new JsonMessageStream(context);
        await stream.RunAsync(async progress =>
        {
            await images.PushAsync(name, string.IsNullOrEmpty(tag) ? null : tag, credentials, progress, context.RequestAborted);
            await events.PushedAsync(name, tag, context.RequestAborted);
            return [];
        });
    }

    private async Task RemoveAsync(HttpContext context)
    {
        string name = RequestValues.Route(context, "rest");
        bool force = RequestValues.Bool(context.Request.Query, "force");
        var users = await ImageUsers.LoadAsync(containers, context.RequestAborted);
        string imageId = (await images.FindAsync(name, context.RequestAborted))?.Id ?? "";
        var deleted = await images.RemoveAsync(name, force, id => users.GetValueOrDefault(id), context.RequestAborted);
        await events.RemovedAsync(imageId, deleted, context.RequestAborted);
        var items = deleted.Select(d => new ImageDeleteResponseItem { Untagged = d.Untagged, Deleted = d.Deleted }).ToList();
        await DockerResults.WriteJsonAsync(context, items, EngineJson.Default.ListImageDeleteResponseItem);
    }

    private async Task PruneAsync(HttpContext context)
    {
        var response = await pruner.PruneAsync(RequestValues.String(context.Request.Query, "filters"), context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, response, EngineJson.Default.ImagePruneResponse);
    }

    /// <summary>dockerd answers a load 200 whatever happens, a failure as the stream's last message (clients such as
    /// docker-py raise their load error from it), and is quiet unless asked otherwise.</summary>
    private async Task LoadAsync(HttpContext context)
    {
        bool quiet = RequestValues.Bool(context.Request.Query, "quiet", absent: true);
        var stream = new JsonMessageStream(context, errorsInStream: true);
        await stream.RunAsync(async progress =>
        {
            var lines = await images.LoadAsync(context.Request.Body, quiet ? new Progress<ProgressMessage>() : progress, context.RequestAborted);
            await events.ImagesAsync("load", ImageEvents.LoadedNames(lines), context.RequestAborted);
            return lines.Select(l => new JsonMessage { Stream = l.EndsWith('\n') ? l : l + "\n" }).ToList();
        });
    }

    private Task SaveManyAsync(HttpContext context)
    {
        var names = context.Request.Query["names"].Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).ToList();
        if (names.Count == 0)
            throw new InvalidArgumentException("names is required");
        return SaveAsync(context, names);
    }

    /// <summary>The response starts with the archive's first bytes, so a missing image is still a plain 404.</summary>
    private async Task SaveAsync(HttpContext context, IReadOnlyList<string> names)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-tar";
        await images.SaveAsync(names, context.Response.Body, context.RequestAborted);
        await events.ImagesAsync("save", names, context.RequestAborted);
    }

    private async Task<ImageRecord> FindAsync(string name, CancellationToken cancellationToken) =>
        await images.FindAsync(name, cancellationToken)
        ?? throw new NotFoundException("No such image: " + ImageReference.WithDefaultTag(name));

    private static (string Name, string Action) Split(HttpContext context)
    {
        string rest = RequestValues.Route(context, "rest");
        int slash = rest.LastIndexOf('/');
        if (slash <= 0)
            throw new NotFoundException("page not found");
        return (rest[..slash], rest[(slash + 1)..]);
    }
}
