using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// A container's files: docker cp both ways (HEAD, GET and PUT /containers/{id}/archive), docker diff
/// (/containers/{id}/changes) and docker export. The port layer does the work inside VMs; this class speaks dockerd's
/// wire format: the X-Docker-Container-Path-Stat header, its messages for missing files and bad destinations.
/// </summary>
internal sealed class ArchiveRoutes(PortLayerServices portLayer, ContainerResolver resolver, EventBroker events) : IRouteGroup
{
    public const string PathStatHeader = "X-Docker-Container-Path-Stat";

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/containers/{id}/archive", ["HEAD"], StatAsync);
        routes.MapGet("/containers/{id}/archive", GetAsync);
        routes.MapPut("/containers/{id}/archive", PutAsync);
        routes.MapGet("/containers/{id}/changes", ChangesAsync);
        routes.MapGet("/containers/{id}/export", ExportAsync);
    }

    private async Task StatAsync(HttpContext context)
    {
        var (name, path) = Target(context);
        var c = await resolver.ResolveAsync(name, context.RequestAborted);
        var stat = await FileNotFound(name, path, () => portLayer.Files.StatPathAsync(c.Id, path, context.RequestAborted));
        context.Response.Headers[PathStatHeader] = EncodeStat(stat);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private async Task GetAsync(HttpContext context)
    {
        var (name, path) = Target(context);
        var c = await resolver.ResolveAsync(name, context.RequestAborted);
        await using var archive = await FileNotFound(name, path, () => portLayer.Files.GetArchiveAsync(c.Id, path, context.RequestAborted));
        context.Response.Headers[PathStatHeader] = EncodeStat(archive.Stat);
        context.Response.ContentType = "application/x-tar";
        context.Response.StatusCode = StatusCodes.Status200OK;
        events.Publish(c.Id, "archive-path");
        // Past the headers a failure can only cut the stream short; the client sees a truncated tar.
        await archive.Content.CopyToAsync(context.Response.Body, 1 << 16, context.RequestAborted);
    }

    private async Task PutAsync(HttpContext context)
    {
        var (name, path) = Target(context);
        var query = context.Request.Query;
        var c = await resolver.ResolveAsync(name, context.RequestAborted);
        CopyDestination.CheckWritable(c, path);
        var options = new ExtractOptions
        {
            NoOverwriteDirNonDir = RequestValues.Bool(query, "noOverwriteDirNonDir"),
            CopyUidGid = RequestValues.Bool(query, "copyUIDGID"),
        };
        await FileNotFound(name, path, async () =>
        {
            await portLayer.Files.PutArchiveAsync(c.Id, path, context.Request.Body, options, context.RequestAborted);
            return true;
        });
        events.Publish(c.Id, "extract-to-dir");
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private async Task ChangesAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(RequestValues.Route(context, "id"), context.RequestAborted);
        var changes = await portLayer.Files.ChangesAsync(c.Id, context.RequestAborted);
        // dockerd answers null, not [], for a container without changes.
        List<ContainerChangeJson>? list = changes.Count == 0 ? null : changes.Select(x => new ContainerChangeJson(x.Path, (int)x.Kind)).ToList();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = DockerHeaders.JsonContentType;
        await JsonSerializer.SerializeAsync(context.Response.Body, list, ArchiveJson.Default.ListContainerChangeJson, context.RequestAborted);
    }

    private async Task ExportAsync(HttpContext context)
    {
        var c = await resolver.ResolveAsync(RequestValues.Route(context, "id"), context.RequestAborted);
        await using var tar = await portLayer.Files.ExportAsync(c.Id, context.RequestAborted);
        context.Response.ContentType = "application/x-tar";
        context.Response.StatusCode = StatusCodes.Status200OK;
        events.Publish(c.Id, "export");
        await tar.CopyToAsync(context.Response.Body, 1 << 16, context.RequestAborted);
    }

    private static (string Name, string Path) Target(HttpContext context)
    {
        string name = RequestValues.Route(context, "id");
        string? path = RequestValues.String(context.Request.Query, "path");
        if (string.IsNullOrEmpty(path))
            throw new InvalidArgumentException("path is required");
        return (name, path);
    }

    /// <summary>A missing path is worded as dockerd words it, naming the container as the client did.</summary>
    private static async Task<T> FileNotFound<T>(string name, string path, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (NotFoundException e) when (!e.Message.StartsWith("No such container", StringComparison.Ordinal))
        {
            throw new NotFoundException($"Could not find the file {path} in container {name}");
        }
    }

    public static string EncodeStat(ContainerPathStat stat)
    {
        var json = new ContainerPathStatJson(stat.Name, stat.Size, stat.Mode, GoTime(stat.Mtime), stat.LinkTarget);
        return Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(json, ArchiveJson.Default.ContainerPathStatJson));
    }

    /// <summary>Go's RFC3339Nano: fraction without trailing zeros, none when whole.</summary>
    public static string GoTime(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        string fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "Z";
    }
}
