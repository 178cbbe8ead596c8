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

    /// <summary>
    /// Opens a run of layer writes that follow one another, each the child of the one written before it, the first a
    /// child of <paramref name="parentLayerId"/> (null: the empty base): the missing layers of one pull or load. A
    /// backend may prepare at once (boot the VM that applies them while the layers still download) and apply the whole
    /// run in one VM. A write that does not continue the run is written alone, as by <see cref="WriteLayerAsync"/>.
    /// Disposing ends the run; layers written before stay.
    /// </summary>
    ILayerRun BeginRun(string? parentLayerId) => new LayerWritesOneByOne(this);

    /// <summary>Deletes the layer's disk. Throws Conflict while a child layer or a container depends on it.</summary>
    Task RemoveLayerAsync(string layerId, CancellationToken cancellationToken);

    /// <summary>Every complete layer.</summary>
    Task<IReadOnlyList<LayerInfo>> ListAsync(CancellationToken cancellationToken);
}

public sealed record LayerInfo(string LayerId, string? ParentLayerId, long DiskBytes);

/// <summary>A run of layer writes opened by <see cref="IImageLayerStore.BeginRun"/>; same contract as
/// <see cref="IImageLayerStore.WriteLayerAsync"/> for each write.</summary>
public interface ILayerRun : IAsyncDisposable
{
    Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken);
}

/// <summary>The run of a store with nothing to share between writes: each layer written on its own.</summary>
public sealed class LayerWritesOneByOne(IImageLayerStore store) : ILayerRun
{
    public Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken) =>
        store.WriteLayerAsync(layerId, parentLayerId, tar, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
