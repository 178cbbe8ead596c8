namespace Vic.PortLayer;

/// <summary>Resource usage of containerVMs, as the hypervisor host sees them (docker stats).</summary>
public interface IContainerStats
{
    /// <summary>
    /// One sample of the container's VM. Cumulative counters (CPU time, I/O) grow over the VM's life, so callers take
    /// two samples to get rates. A container that is not running gives a sample with <see cref="VmStats.Running"/>
    /// false and zero counters. Throws NotFound.
    /// </summary>
    Task<VmStats> SampleAsync(string id, CancellationToken cancellationToken);
}

/// <summary>One sample of a VM's usage. Times in nanoseconds, sizes in bytes.</summary>
public sealed record VmStats
{
    public required DateTimeOffset Read { get; init; }
    public bool Running { get; init; }
    /// <summary>CPU time the VM (its hypervisor process) has used: user + kernel.</summary>
    public ulong CpuTotalNs { get; init; }
    public ulong CpuUserNs { get; init; }
    public ulong CpuKernelNs { get; init; }
    /// <summary>CPU time of the whole host (all CPUs, every state) at the same moment: the denominator for a percentage.</summary>
    public ulong HostCpuTotalNs { get; init; }
    /// <summary>How many CPUs <see cref="HostCpuTotalNs"/> is spread over.</summary>
    public int OnlineCpus { get; init; }
    /// <summary>The VM's vCPUs.</summary>
    public int VmCpus { get; init; }
    /// <summary>Host memory the VM occupies (the hypervisor process's resident set).</summary>
    public ulong MemoryUsageBytes { get; init; }
    /// <summary>The VM's memory size: the guest can use no more.</summary>
    public ulong MemoryLimitBytes { get; init; }
    /// <summary>Processes inside the guest; null when the backend cannot tell.</summary>
    public ulong? Pids { get; init; }
    public IReadOnlyList<DiskStats> Disks { get; init; } = [];
    public IReadOnlyList<NicStats> Networks { get; init; } = [];
}

/// <summary>Cumulative I/O of one virtual disk, <paramref name="Index"/> in attach order.</summary>
public sealed record DiskStats(int Index, string Name, ulong ReadBytes, ulong WriteBytes, ulong ReadOps, ulong WriteOps);

/// <summary>Cumulative traffic of one virtual NIC, named as the guest names it (eth0...).</summary>
public sealed record NicStats(string Name, ulong RxBytes, ulong RxPackets, ulong RxErrors, ulong RxDropped,
    ulong TxBytes, ulong TxPackets, ulong TxErrors, ulong TxDropped);
