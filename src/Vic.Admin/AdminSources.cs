using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Admin;

/// <summary>What vicadmin reads: the port layer's containers, their persisted output and host facts, and the image
/// store. vicadmin only reads; it changes nothing in the VCH.</summary>
public sealed record AdminSources(IContainerLifecycle Containers, IContainerInteraction Interaction, IHostInfo Host, IImageService Images)
{
    /// <summary>
    /// Files a backend keeps beside a container for diagnosis (locally: the serial console log of its last boot),
    /// as (name in the bundle, path). The composition root supplies it: vicadmin knows no backend.
    /// </summary>
    public Func<ContainerInfo, IReadOnlyList<(string Name, string Path)>> DiagnosticFiles { get; init; } = _ => [];
}
