using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>
/// SizeRw and SizeRootFs of docker ps -s and inspect --size, as dockerd defines them: SizeRw the bytes of the files the
/// container added or changed against its image (the port layer measures them as a diff reads them), SizeRootFs the
/// image's size plus SizeRw. Asked only when the client asks (size=1), since each measure costs what a diff costs. A
/// container the backend cannot measure now (paused, or a backend without file access) gets no figures rather than
/// failing the whole list.
/// </summary>
internal sealed class ContainerSizes(PortLayerServices portLayer, IImageService images)
{
    public async Task<(long? Rw, long? RootFs)> MeasureAsync(ContainerRecord c, CancellationToken cancellationToken)
    {
        long rw;
        try
        {
            rw = await portLayer.Files.ChangesSizeAsync(c.Id, cancellationToken);
        }
        catch (PortLayerException)
        {
            return (null, null);
        }
        long image = (await images.FindAsync(c.ImageId, cancellationToken))?.Size ?? 0;
        return (rw, image + rw);
    }
}
