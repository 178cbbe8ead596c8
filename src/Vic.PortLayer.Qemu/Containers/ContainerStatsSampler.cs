using System.Text.Json;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// <see cref="IContainerStats"/> from the host's side of each VM: the QEMU process's CPU time and resident memory in
/// /proc, disk I/O from QMP query-blockstats, NIC traffic from the taps' counters. Nothing is asked of the guest,
/// so a sample costs no guest CPU and works while the tether is busy.
/// </summary>
internal sealed class ContainerStatsSampler(QemuBackendOptions options, ContainerRegistry registry) : IContainerStats
{
    private static readonly TimeSpan QmpTimeout = TimeSpan.FromSeconds(2);

    public async Task<VmStats> SampleAsync(string id, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(id);
        ContainerSpec spec = entry.Record.Spec;
        int pid = entry.Record.Status.Pid;
        var (hostNs, hostCpus) = ProcStats.ParseHostCpu(ProcStats.TryRead("/proc/stat") ?? "");
        var idle = new VmStats
        {
            Read = options.TimeProvider.GetUtcNow(),
            HostCpuTotalNs = hostNs,
            OnlineCpus = hostCpus,
            VmCpus = spec.Cpus > 0 ? spec.Cpus : options.DefaultCpus,
            MemoryLimitBytes = (ulong)(spec.MemoryBytes > 0 ? spec.MemoryBytes : options.DefaultMemoryBytes),
        };
        if (!entry.IsRunning || !VmProcess.IsAlive(pid, entry.Directory))
            return idle;

        var cpu = ProcStats.TryRead($"/proc/{pid}/stat") is { } stat ? ProcStats.ParseProcessCpu(stat) : null;
        var rss = ProcStats.TryRead($"/proc/{pid}/status") is { } status ? ProcStats.ParseResidentBytes(status) : null;
        if (cpu is null || rss is null)
            return idle; // it ended between the check and the reads
        return idle with
        {
            Running = true,
            CpuUserNs = cpu.Value.UserNs,
            CpuKernelNs = cpu.Value.KernelNs,
            CpuTotalNs = cpu.Value.UserNs + cpu.Value.KernelNs,
            MemoryUsageBytes = rss.Value,
            Disks = await ReadDisksAsync(entry.Directory, cancellationToken),
            Networks = ReadNetworks(pid),
        };
    }

    private static async Task<IReadOnlyList<DiskStats>> ReadDisksAsync(string directory, CancellationToken cancellationToken)
    {
        JsonElement? reply = await QmpClient.ExecuteAsync(directory, "query-blockstats", QmpTimeout, cancellationToken);
        return reply is { } r ? ParseBlockStats(r) : [];
    }

    /// <summary>query-blockstats' answer, one entry per drive the backend attached ("diskN", N in attach order).</summary>
    public static IReadOnlyList<DiskStats> ParseBlockStats(JsonElement reply)
    {
        var disks = new List<DiskStats>();
        if (reply.ValueKind != JsonValueKind.Array)
            return disks;
        foreach (JsonElement device in reply.EnumerateArray())
        {
            string name = device.TryGetProperty("device", out JsonElement d) ? d.GetString() ?? "" : "";
            if (!name.StartsWith("disk", StringComparison.Ordinal) || !int.TryParse(name.AsSpan(4), out int index)
                || !device.TryGetProperty("stats", out JsonElement s))
                continue;
            disks.Add(new DiskStats(index, name, Counter(s, "rd_bytes"), Counter(s, "wr_bytes"),
                Counter(s, "rd_operations"), Counter(s, "wr_operations")));
        }
        return disks.OrderBy(x => x.Index).ToList();
    }

    private static ulong Counter(JsonElement stats, string name) =>
        stats.TryGetProperty(name, out JsonElement v) && v.TryGetUInt64(out ulong n) ? n : 0;

    /// <summary>
    /// The VM's NICs, named eth0, eth1... in command-line order as the guest names them. A tap's receive is the
    /// guest's transmit, so the directions are swapped to read as the container sees them.
    /// </summary>
    private static IReadOnlyList<NicStats> ReadNetworks(int pid)
    {
        IReadOnlyList<string> taps = ProcStats.TapNames(ProcStats.ReadArgv(pid));
        if (taps.Count == 0 || ProcStats.TryRead($"/proc/{pid}/net/dev") is not { } netDev)
            return [];
        var counters = ProcStats.ParseNetDev(netDev, taps);
        var nics = new List<NicStats>();
        for (int i = 0; i < taps.Count; i++)
        {
            if (!counters.TryGetValue(taps[i], out ulong[]? c))
                continue;
            nics.Add(new NicStats($"eth{i}",
                RxBytes: c[8], RxPackets: c[9], RxErrors: c[10], RxDropped: c[11],
                TxBytes: c[0], TxPackets: c[1], TxErrors: c[2], TxDropped: c[3]));
        }
        return nics;
    }
}
