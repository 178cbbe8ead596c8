using Vic.PortLayer;

namespace Vic.Engine.Volumes;

/// <summary>rm -v and --rm: a removed container's anonymous volumes go with it; named ones stay.</summary>
internal static class AnonymousVolumes
{
    public static async Task RemoveAsync(IVolumeStore volumes, IReadOnlyList<MountSpec> mounts)
    {
        foreach (var m in mounts.Where(m => m.Kind == MountKind.Volume).DistinctBy(m => m.Source))
        {
            try
            {
                var volume = await volumes.InspectAsync(m.Source, CancellationToken.None);
                if (volume.Labels.ContainsKey(VolumeDrivers.AnonymousLabel))
                    await volumes.RemoveAsync(m.Source, force: true, CancellationToken.None);
            }
            catch (PortLayerException)
            {
                // In use by another container (--volumes-from) or already gone: dockerd leaves it too.
            }
        }
    }
}
