namespace Vic.PortLayer;

/// <summary>
/// Image layers as copy-on-write disks (DESIGN rule 4). A layer is named by its chain ID
/// ("sha256:..." over its parent's chain ID and its own diff ID), so identical layer stacks are
/// stored once and shared by every image and container that uses them.
/// </summary>
public interface IImageLayerStore
{
    /// <summary>True when the layer's disk is complete.</summary>
    Task<bool> ExistsAsync(string layerId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates the layer's disk as a child of <paramref name="parentLayerId"/> (null: the empty base) and applies
    /// the uncompressed tar in <paramref name="tar"/> onto it inside a VM (never on the host, DESIGN rule 5).
    /// Whiteouts, opaque directories, links, devices, ownership, modes and times are honoured.
    /// Writing an existing layer is a no-op. On failure nothing is left.
    /// </summary>
    Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken);

    /// <summary>Deletes the layer's disk. Throws Conflict while a child layer or a container depends on it.</summary>
    Task RemoveLayerAsync(string layerId, CancellationToken cancellationToken);

    /// <summary>Every complete layer.</summary>
    Task<IReadOnlyList<LayerInfo>> ListAsync(CancellationToken cancellationToken);
}

public sealed record LayerInfo(string LayerId, string? ParentLayerId, long DiskBytes);
