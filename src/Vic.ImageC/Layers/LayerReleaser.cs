using Microsoft.Extensions.Logging;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Layers;

/// <summary>Frees layer disks nobody needs any more (after rmi, or when a failed import rolls back).</summary>
internal static class LayerReleaser
{
    /// <summary>
    /// Walks <paramref name="chainIds"/> (bottom first) from the top down, removing each layer that no stored image,
    /// no other unfinished import and no container disk needs. Stops at the first needed layer: everything below it
    /// is its ancestry. Call under the catalog lock. Returns the removed chain IDs, top first.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ReleaseAsync(
        IImageLayerStore layers, ImageCatalog catalog, IReadOnlyList<string> chainIds, LayerPin? mine, ILogger logger, CancellationToken cancellationToken)
    {
        var (used, _) = await catalog.UsedLayersAsync(cancellationToken);
        var removed = new List<string>();
        for (int i = chainIds.Count - 1; i >= 0; i--)
        {
            string id = chainIds[i];
            if (used.Contains(id) || catalog.IsPinnedByOthers(id, mine))
            {
                break;
            }
            try
            {
                await layers.RemoveLayerAsync(id, cancellationToken);
                removed.Add(id);
            }
            catch (NotFoundException)
            {
                // Already gone: nothing to free, keep walking down.
            }
            catch (ConflictException e)
            {
                // A container disk (or a layer we do not know about) is a child of it.
                Log.LayerKept(logger, id, e.Message);
                break;
            }
        }
        return removed;
    }
}
