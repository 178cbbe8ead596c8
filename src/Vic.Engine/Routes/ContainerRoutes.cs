using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Hijack;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>Container lifecycle: create, start, stop, restart, kill, remove, rename, resize.</summary>
internal sealed class ContainerRoutes(
    PortLayerServices portLayer, ContainerResolver resolver, ContainerFactory factory, StartFailures startFailures,
    Networks.PortPublisher ports) : IRouteGroup
{
    private IContainerLifecycle Lifecycle => portLayer.Containers;

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/containers/create", CreateAsync);
        routes.MapPost("/containers/{id}/start", StartAsync);
        routes.MapPost("/containers/{id}/stop", StopAsync);
        routes.MapPost("/containers/{id}/restart", RestartAsync);
        routes.MapPost("/containers/{id}/kill", KillAsync);
        routes.MapDelete("/containers/{id}", context => RemoveAsync(context, Id(context)));
        // A legacy link's name ("P/A") names the container it leads to; with link=true the link goes, not the container.
        routes.MapDelete("/containers/{parent}/{alias}", context =>
            RemoveAsync(context, $"{RequestValues.Route(context, "parent")}/{RequestValues.Route(context, "alias")}"));
        routes.MapPost("/containers/{id}/rename", RenameAsync);
        routes.MapPost("/containers/{id}/resize", ResizeAsync);
        routes.MapPost("/containers/{id}/pause", PauseAsync);
        routes.MapPost("/containers/{id}/unpause", UnpauseAsync);
    }

    private async Task CreateAsync(HttpContext context)
    {
        string? name = RequestValues.String(context.Request.Query, "name");
        var body = await RequestValues.JsonBodyAsync(context.Request, EngineJson.Default.ContainerCreateRequest, context.RequestAborted);
        // StartInterval came with API 1.44: an older client cannot mean it, so dockerd drops it.
        if (body?.Healthcheck is { } health && ApiVersion.Of(context) < new ApiVersion(1, 44))
            body = body with { Healthcheck = health with { StartInterval = 0 } };
        var created = await factory.CreateAsync(name, body, ApiVersion.Of(context), context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, created, EngineJson.Default.ContainerCreateResponse, StatusCodes.Status201Created);
    }

    private async Task StartAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        if (c.IsRunning)
        {
            await DockerResults.WriteStatusAsync(context, StatusCodes.Status304NotModified);
            return;
        }
        await StartOrExplainAsync(c, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    /// <summary>
    /// Starts, and words a launch failure the way dockerd does: the backend reports "the tether could not exec the
    /// command" as InvalidArgument carrying the tether's message ("exec: \"x\": executable file not found in $PATH"),
    /// from which the CLI derives exit 127 (not found) or 126 (permission denied).
    /// </summary>
    private async Task StartOrExplainAsync(ContainerRecord c, CancellationToken cancellationToken)
    {
        try
        {
            // Published ports are bound first: a taken port fails the start before a VM boots.
            ports.Publish(c);
            await Lifecycle.StartAsync(c.Id, cancellationToken);
        }
        catch (Exception e) when (e is PortLayerException)
        {
            ports.Release(c.Id);
            // Attaches waiting for this run would otherwise wait for a run that never comes.
            startFailures.Signal(c.Id);
            if (c.HostConfig.AutoRemove)
                await RemoveQuietlyAsync(c.Id);
            if (e is InvalidArgumentException)
                throw new InvalidArgumentException($"failed to create task for container: {e.Message}: unknown");
            throw;
        }
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            var mounts = (await Lifecycle.InspectAsync(id, CancellationToken.None)).Spec.Mounts;
            await Lifecycle.RemoveAsync(id, force: true, CancellationToken.None);
            await Volumes.AnonymousVolumes.RemoveAsync(portLayer.Volumes, mounts);
        }
        catch (PortLayerException)
        {
            // The supervisor retries AutoRemove when the container's exit is reported.
        }
    }

    /// <summary>docker pause: the VM's CPUs stop (QEMU), so every process in it freezes at once.</summary>
    private async Task PauseAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        await Lifecycle.PauseAsync(c.Id, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    private async Task UnpauseAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        await Lifecycle.UnpauseAsync(c.Id, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    private async Task StopAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        var timeout = StopTimeout(context);
        if (!c.IsRunning)
        {
            await DockerResults.WriteStatusAsync(context, StatusCodes.Status304NotModified);
            return;
        }
        await Lifecycle.StopAsync(c.Id, timeout, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    private async Task RestartAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        var timeout = StopTimeout(context);
        if (c.IsRunning)
            await Lifecycle.StopAsync(c.Id, timeout, context.RequestAborted);
        await StartOrExplainAsync(c, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    /// <summary>t: seconds before the kill; absent means the container's own stop timeout, negative waits forever.</summary>
    private static TimeSpan? StopTimeout(HttpContext context) => RequestValues.Int(context.Request.Query, "t") switch
    {
        null => null,
        < 0 => Timeout.InfiniteTimeSpan,
        int seconds => TimeSpan.FromSeconds(seconds),
    };

    private async Task KillAsync(HttpContext context)
    {
        string name = Id(context);
        string? raw = RequestValues.String(context.Request.Query, "signal");
        int signal = string.IsNullOrEmpty(raw) ? Signals.Kill : Signals.Parse(raw);
        var c = await resolver.ResolveAsync(name, context.RequestAborted);
        if (!c.IsRunning)
            throw new ConflictException($"Cannot kill container: {name}: Container {c.Id} is not running");
        try
        {
            await Lifecycle.KillAsync(c.Id, signal, context.RequestAborted);
        }
        catch (ConflictException e)
        {
            throw new ConflictException($"Cannot kill container: {name}: {e.Message}");
        }
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    private async Task RemoveAsync(HttpContext context, string name)
    {
        var c = await resolver.ResolveAsync(name, context.RequestAborted);
        if (RequestValues.Bool(context.Request.Query, "link"))
        {
            await RemoveLinkAsync(name, context.RequestAborted);
            await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
            return;
        }
        bool force = RequestValues.Bool(context.Request.Query, "force");
        if (c.IsRunning && !force)
            throw new ConflictException(
                $"cannot remove container \"/{c.Name}\": container is running: stop the container before removing or force remove");
        await Lifecycle.RemoveAsync(c.Id, force, context.RequestAborted);
        startFailures.Forget(c.Id);
        if (RequestValues.Bool(context.Request.Query, "v"))
            await Volumes.AnonymousVolumes.RemoveAsync(portLayer.Volumes, c.Info.Spec.Mounts);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    /// <summary>docker rm --link P/A: P's HostConfig loses the link; both containers stay. dockerd answers a plain name
    /// with a 500, as it does.</summary>
    private async Task RemoveLinkAsync(string name, CancellationToken cancellationToken)
    {
        if (LegacyLinks.Split(name) is not var (parentName, alias))
            throw new InternalException("Conflict, cannot remove the default link name of the container");
        var parent = await resolver.ResolveAsync(parentName, cancellationToken);
        if (LegacyLinks.Without(parent, alias) is { } hostConfig)
            await Lifecycle.UpdateMetadataAsync(parent.Id, parent.Name, DockerAnnotations.Replace(parent, hostConfig), cancellationToken);
    }

    private async Task RenameAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        string requested = RequestValues.String(context.Request.Query, "name") ?? "";
        if (requested.Length == 0)
            throw new InvalidArgumentException("Neither old nor new names may be empty");
        string name = ContainerNames.Validate(requested);
        if (name == c.Name)
            throw new InvalidArgumentException("Renaming a container with the same name as its current name");
        var all = await Lifecycle.ListAsync(context.RequestAborted);
        if (all.FirstOrDefault(x => x.Spec.Name == name) is { } holder)
            throw new ConflictException(ContainerNames.NameInUse(name, holder.Spec.Id));
        await Lifecycle.UpdateMetadataAsync(c.Id, name, c.Info.Spec.Annotations, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    private async Task ResizeAsync(HttpContext context)
    {
        var query = context.Request.Query;
        int height = RequestValues.Int(query, "h") ?? 0;
        int width = RequestValues.Int(query, "w") ?? 0;
        if (height is < 0 or > ushort.MaxValue || width is < 0 or > ushort.MaxValue)
            throw new InvalidArgumentException($"invalid terminal size {height}x{width}");
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        if (!c.IsRunning)
            throw new ConflictException($"Container {c.Id} is not running");
        await portLayer.Interaction.ResizeAsync(c.Id, (ushort)height, (ushort)width, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status200OK);
    }

    private static string Id(HttpContext context) => RequestValues.Route(context, "id");
}
