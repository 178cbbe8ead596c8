using Vic.PortLayer;

namespace Vic.Vch.Limits;

/// <summary>Wraps a backend's services so the VCH's limits hold whatever the backend is.</summary>
internal static class ResourceLimiter
{
    public static PortLayerServices Apply(PortLayerServices backend, ResourceLimits limits, long defaultMemoryBytes, int defaultCpus, string datastorePath)
    {
        if (!limits.Any)
            return backend;
        var ledger = new ResourceLedger(limits, defaultMemoryBytes, defaultCpus, datastorePath);
        return backend with
        {
            Containers = new LimitedContainerLifecycle(backend.Containers, ledger),
            Layers = limits.StorageBytes is null ? backend.Layers : new QuotaImageLayerStore(backend.Layers, ledger),
        };
    }
}
