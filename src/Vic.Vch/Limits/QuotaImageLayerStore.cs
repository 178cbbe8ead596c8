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

    public Task RemoveLayerAsync(string layerId, CancellationToken cancellationToken) => inner.RemoveLayerAsync(layerId, cancellationToken);
    public Task<IReadOnlyList<LayerInfo>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);
}
