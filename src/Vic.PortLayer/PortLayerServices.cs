namespace Vic.PortLayer;

/// <summary>What one backend provides; the VCH's composition root registers exactly one.</summary>
public sealed record PortLayerServices(
    IContainerLifecycle Containers,
    IContainerInteraction Interaction,
    IContainerExec Exec,
    IImageLayerStore Layers,
    IMetadataStore Metadata,
    IHostInfo Host,
    INetworkFabric Network,
    IContainerStats Stats)
{
    /// <summary>Named volumes; a backend without them refuses every call (NotSupported).</summary>
    public IVolumeStore Volumes { get; init; } = UnsupportedVolumeStore.Instance;

    /// <summary>Container files (docker cp, diff, export, commit); a backend without them refuses every call (NotSupported).</summary>
    public IContainerFiles Files { get; init; } = UnsupportedContainerFiles.Instance;

    /// <summary>docker network connect/disconnect; a backend without it refuses every call (NotSupported).</summary>
    public IContainerNics Nics { get; init; } = UnsupportedContainerNics.Instance;
}
