namespace Vic.PortLayer;

/// <summary>Facts about the backend for docker info and vicadmin.</summary>
public interface IHostInfo
{
    Task<HostFacts> GetFactsAsync(CancellationToken cancellationToken);
}

public sealed record HostFacts
{
    /// <summary>"qemu" locally, "vsphere" on vSphere.</summary>
    public required string Backend { get; init; }
    /// <summary>How guests execute, e.g. "tcg" or "kvm"; shown in docker info.</summary>
    public required string Accelerator { get; init; }
    /// <summary>Release of the guest kernel containerVMs boot (docker info's KernelVersion).</summary>
    public required string GuestKernelVersion { get; init; }
    public required int Cpus { get; init; }
    public required long MemoryBytes { get; init; }
    public required string DatastorePath { get; init; }
    public string OperatingSystem { get; init; } = "";
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
