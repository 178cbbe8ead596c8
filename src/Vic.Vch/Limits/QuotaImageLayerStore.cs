using Vic.PortLayer;

namespace Vic.Vch.Limits;

/// <summary>The backend's layer store with the VCH's storage quota checked before a new layer is written.</summary>
internal sealed class QuotaImageLayerStore(IImageLayerStore inner, ResourceLedger ledger) : IImageLayerStore
{
    public Task<bool> ExistsAsync(string layerId, CancellationToken cancellationToken) => inner.ExistsAsync(layerId, cancellationToken);

    public async Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken)
    {
        // An existing layer is a no-op for the backend; only new content counts against the quota.
        if (!await inner.ExistsAsync(layerId, cancellationToken))
            ledger.CheckStorage();
        await inner.WriteLayerAsync(layerId, parentLayerId, tar, cancellationToken);
    }

    public ILayerRun BeginRun(string? parentLayerId) => new QuotaRun(inner, inner.BeginRun(parentLayerId), ledger);

    public Task RemoveLayerAsync(string layerId, CancellationToken cancellationToken) => inner.RemoveLayerAsync(layerId, cancellationToken);
    public Task<IReadOnlyList<LayerInfo>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);
}

/// <summary>The backend's run of layer writes, with the quota checked before each new layer as for a single write.</summary>
internal sealed class QuotaRun(IImageLayerStore store, ILayerRun inner, ResourceLedger ledger) : ILayerRun
{
    public async Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken)
    {
        if (!await store.ExistsAsync(layerId, cancellationToken))
            ledger.CheckStorage();
        await inner.WriteLayerAsync(layerId, parentLayerId, tar, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
