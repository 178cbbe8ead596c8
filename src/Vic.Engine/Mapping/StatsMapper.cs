using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Mapping;

/// <summary>Port-layer VM samples to dockerd's stats JSON.</summary>
internal static class StatsMapper
{
    /// <summary>virtio-blk's block major in the guest; disk N is /dev/vd(a+N), minor 16·N.</summary>
    private const ulong VirtioBlockMajor = 254;

    /// <summary>
    /// One stats document: <paramref name="current"/> with <paramref name="previous"/> as the pre-sample (null for
    /// the first of a stream or a one-shot, as dockerd sends them: empty precpu_stats and a zero preread).
    /// </summary>
    public static ContainerStatsResponse ToResponse(string id, string name, VmStats current, VmStats? previous)
    {
        if (!current.Running)
            return new ContainerStatsResponse { Id = id, Name = "/" + name, Read = DockerTime.Zero, PreRead = DockerTime.Zero };
        return new ContainerStatsResponse
        {
            Id = id,
            Name = "/" + name,
            Read = DockerTime.Rfc3339Nano(current.Read),
            PreRead = previous is { Running: true } ? DockerTime.Rfc3339Nano(previous.Read) : DockerTime.Zero,
            PidsStats = new PidsStats { Current = current.Pids },
            BlkioStats = ToBlkio(current.Disks),
            CpuStats = ToCpu(current),
            PreCpuStats = previous is { Running: true } ? ToCpu(previous) : new CpuStats(),
            MemoryStats = new MemoryStats { Usage = current.MemoryUsageBytes, Limit = current.MemoryLimitBytes },
            Networks = current.Networks.Count == 0 ? null : current.Networks.ToDictionary(n => n.Name, ToNetwork),
        };
    }

    private static CpuStats ToCpu(VmStats s) => new()
    {
        CpuUsage = new CpuUsage { TotalUsage = s.CpuTotalNs, UsageInKernelmode = s.CpuKernelNs, UsageInUsermode = s.CpuUserNs },
        SystemCpuUsage = s.HostCpuTotalNs,
        // The denominator (system_cpu_usage) covers every host CPU, so the CPU count that goes with it is the host's:
        // the CLI then shows 100% for each host CPU the VM keeps busy, as dockerd does for a process container.
        OnlineCpus = (uint)s.OnlineCpus,
    };

    private static BlkioStats ToBlkio(IReadOnlyList<DiskStats> disks)
    {
        if (disks.Count == 0)
            return new BlkioStats();
        var bytes = new List<BlkioEntry>();
        var ops = new List<BlkioEntry>();
        foreach (var d in disks)
        {
            ulong minor = (ulong)d.Index * 16;
            bytes.Add(new BlkioEntry(VirtioBlockMajor, minor, "read", d.ReadBytes));
            bytes.Add(new BlkioEntry(VirtioBlockMajor, minor, "write", d.WriteBytes));
            ops.Add(new BlkioEntry(VirtioBlockMajor, minor, "read", d.ReadOps));
            ops.Add(new BlkioEntry(VirtioBlockMajor, minor, "write", d.WriteOps));
        }
        return new BlkioStats { IoServiceBytesRecursive = bytes, IoServicedRecursive = ops };
    }

    private static NetworkStats ToNetwork(NicStats n) => new()
    {
        RxBytes = n.RxBytes, RxPackets = n.RxPackets, RxErrors = n.RxErrors, RxDropped = n.RxDropped,
        TxBytes = n.TxBytes, TxPackets = n.TxPackets, TxErrors = n.TxErrors, TxDropped = n.TxDropped,
    };
}
