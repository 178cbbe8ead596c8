using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.Engine.Http;
using Vic.Engine.Images;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// docker commit (POST /commit): the container's changes become a layer on top of its image (the tar is made inside a
/// VM), and the new image's config is the container's config, overridden by the request body's and then by the
/// -c instructions. A running container's filesystem is frozen while its changes are read, whatever pause says:
/// consistency does not depend on the client asking for it.
/// </summary>
internal sealed class CommitRoutes(PortLayerServices portLayer, IImageService images, ContainerResolver resolver, EventBroker events) : IRouteGroup
{
    public void Map(IEndpointRouteBuilder routes) => routes.MapPost("/commit", CommitAsync);

    private async Task CommitAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var c = await resolver.ResolveAsync(RequestValues.String(query, "container") ?? "", context.RequestAborted);
        var body = await RequestValues.JsonBodyAsync(context.Request, EngineJson.Default.ContainerConfig, context.RequestAborted);
        ImageConfig config = ChangeInstructions.Apply(Override(FromContainer(c.Config), body), query["changes"].OfType<string>());
        string? reference = Reference(RequestValues.String(query, "repo"), RequestValues.String(query, "tag"));
        if (await images.FindAsync(c.ImageId, context.RequestAborted) is null)
            throw new ConflictException($"cannot commit container {c.Name}: its image {c.ImageId} has been removed");

        var image = new NewImage
        {
            ParentImageId = c.ImageId,
            Config = config,
            Author = RequestValues.String(query, "author") ?? "",
            Comment = RequestValues.String(query, "comment") ?? "",
            CreatedBy = string.Join(' ', c.Info.Spec.Process.Args),
            ContainerId = c.Id,
            ContainerConfigJson = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(c.Config, EngineJson.Default.ContainerConfig),
            References = reference is null ? [] : [reference],
        };
        ImageRecord created;
        await using (var layer = await portLayer.Files.ExportChangesAsync(c.Id, context.RequestAborted))
        {
            created = await images.CreateAsync(image, layer, context.RequestAborted);
        }
        events.Publish(c.Id, "commit");
        await DockerResults.WriteJsonAsync(context, new CommitResponse(created.Id), ArchiveJson.Default.CommitResponse, StatusCodes.Status201Created);
    }

    /// <summary>"repo" and "tag" as one reference; none when no repository is named (an untagged image).</summary>
    public static string? Reference(string? repo, string? tag)
    {
        if (string.IsNullOrEmpty(repo))
        {
            if (!string.IsNullOrEmpty(tag))
                throw new InvalidArgumentException("tag is specified without a repository");
            return null;
        }
        return string.IsNullOrEmpty(tag) ? repo : $"{repo}:{tag}";
    }

    public static ImageConfig FromContainer(ContainerConfig config) => new()
    {
        User = config.User,
        Env = config.Env ?? [],
        Entrypoint = config.Entrypoint,
        Cmd = config.Cmd,
        WorkingDir = config.WorkingDir,
        Labels = config.Labels ?? [],
        ExposedPorts = config.ExposedPorts?.Keys.Order(StringComparer.Ordinal).ToList() ?? [],
        Volumes = config.Volumes?.Keys.Order(StringComparer.Ordinal).ToList() ?? [],
        StopSignal = config.StopSignal ?? "",
        ArgsEscaped = config.ArgsEscaped ? true : null,
        Shell = config.Shell,
        OnBuild = config.OnBuild,
        Healthcheck = Health.HealthRules.ToImage(config.Healthcheck),
    };

    /// <summary>What the request body sets replaces the container's (as dockerd's merge: empty members keep the container's).</summary>
    private static ImageConfig Override(ImageConfig config, ContainerConfig? body)
    {
        if (body is null)
            return config;
        return config with
        {
            User = string.IsNullOrEmpty(body.User) ? config.User : body.User,
            Env = body.Env is { Count: > 0 } env ? env : config.Env,
            Entrypoint = body.Entrypoint is { Count: > 0 } ? body.Entrypoint : config.Entrypoint,
            Cmd = body.Cmd is { Count: > 0 } ? body.Cmd : config.Cmd,
            WorkingDir = string.IsNullOrEmpty(body.WorkingDir) ? config.WorkingDir : body.WorkingDir,
            Labels = body.Labels is { Count: > 0 } labels ? labels : config.Labels,
            ExposedPorts = body.ExposedPorts is { Count: > 0 } ports ? ports.Keys.Order(StringComparer.Ordinal).ToList() : config.ExposedPorts,
            Volumes = body.Volumes is { Count: > 0 } volumes ? volumes.Keys.Order(StringComparer.Ordinal).ToList() : config.Volumes,
            StopSignal = string.IsNullOrEmpty(body.StopSignal) ? config.StopSignal : body.StopSignal,
            // dockerd merges the check field by field: what the body leaves unset is the container's.
            Healthcheck = Health.HealthRules.ToImage(Health.HealthRules.Merge(body.Healthcheck, Health.HealthRules.FromImage(config.Healthcheck))),
        };
    }
}
