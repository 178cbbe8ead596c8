using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http;
using Vic.Engine.Containers;
using Vic.Engine.Http;
using Vic.Engine.Mapping;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// docker system df. Sizes are what the datastore holds: layer disks for images, volume disks' allocated bytes,
/// a container's own disk as SizeRw (SizeRootFs adds its image's size, as dockerd's does).
/// </summary>
internal sealed class DiskUsageRoutes(PortLayerServices portLayer, IImageService images, ContainerResolver containers, TimeProvider time) : IRouteGroup
{
    public void Map(IEndpointRouteBuilder routes) => routes.MapGet("/system/df", DiskUsageAsync);

    private async Task DiskUsageAsync(HttpContext context)
    {
        var token = context.RequestAborted;
        var version = ApiVersion.Of(context);
        var layers = await portLayer.Layers.ListAsync(token);
        var all = await containers.ListAsync(token);
        var now = time.GetUtcNow();
        var imageList = (await images.ListAsync(token)).Select(i => ImageMapper.ToSummary(i, version) with
        {
            Containers = all.Count(c => c.ImageId == i.Id),
        }).ToList();
        var volumes = new List<Volume>();
        foreach (var v in await portLayer.Volumes.ListAsync(token))
            volumes.Add(VolumeMapper.ToVolume(v, (await portLayer.Volumes.UsersAsync(v.Name, token)).Count));
        await DockerResults.WriteJsonAsync(context, new DiskUsage
        {
            LayersSize = layers.Sum(l => l.DiskBytes),
            Images = imageList,
            Containers = all.Select(c => ContainerMapper.ToSummary(c, now) with
            {
                SizeRw = c.Info.DiskBytes ?? 0,
                SizeRootFs = (c.Info.DiskBytes ?? 0) + (imageList.FirstOrDefault(i => i.Id == c.ImageId)?.Size ?? 0),
            }).ToList(),
            Volumes = volumes,
        }, EngineJson.Default.DiskUsage);
    }
}
