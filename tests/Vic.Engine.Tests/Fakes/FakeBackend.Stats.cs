using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

// Statistics and docker update for the fake: a running container's counters grow by fixed steps per sample,
// so tests can check the wire shape and the CLI's arithmetic against known numbers.
internal sealed partial class FakeBackend : IContainerStats
{
    public const ulong CpuStepNs = 500_000_000;       // half a host CPU-second per sample...
    public const ulong HostStepNs = 4_000_000_000;    // ...out of 4 CPUs × 1 s
    public const ulong MemoryUsage = 100L << 20;

    private long _samples;

    public Task<VmStats> SampleAsync(string id, CancellationToken cancellationToken)
    {
        var c = Get(id);
        ulong n = (ulong)Interlocked.Increment(ref _samples);
        ContainerInfo info;
        lock (c)
            info = c.Info;
        var idle = new VmStats
        {
            Read = DateTimeOffset.UtcNow,
            HostCpuTotalNs = n * HostStepNs,
            OnlineCpus = 4,
            VmCpus = info.Spec.Cpus > 0 ? info.Spec.Cpus : 1,
            MemoryLimitBytes = (ulong)(info.Spec.MemoryBytes > 0 ? info.Spec.MemoryBytes : 512L << 20),
        };
        if (info.Status.State is not (ContainerRunState.Running or ContainerRunState.Paused))
            return Task.FromResult(idle);
        return Task.FromResult(idle with
        {
            Running = true,
            CpuTotalNs = n * CpuStepNs,
            CpuUserNs = n * CpuStepNs,
            MemoryUsageBytes = MemoryUsage,
            Disks = [new DiskStats(0, "disk0", 4096, 512, 1, 1)],
            Networks = [new NicStats("eth0", 1000, 10, 0, 0, 2000, 20, 0, 0)],
        });
    }

    public Task<ContainerInfo> UpdateAsync(string id, ContainerUpdate update, CancellationToken cancellationToken)
    {
        var c = Get(id);
        lock (c)
        {
            var spec = c.Info.Spec;
            // As the QEMU backend: a running VM keeps its CPUs; its memory goes down (balloon), never above its boot size.
            bool running = c.State is ContainerRunState.Running or ContainerRunState.Paused;
            if (running && update.Cpus is { } n && n != spec.Cpus)
                throw new ConflictException($"Cannot update container {id}: the CPUs of a running containerVM cannot be changed; stop the container, update it, then start it");
            if (running && update.MemoryBytes is { } m && m > c.BootMemoryBytes)
                throw new ConflictException($"Cannot update container {id}: the memory of a running containerVM can be lowered " +
                    $"but not raised above the {c.BootMemoryBytes} bytes it started with; stop the container, update it, then start it");
            c.Info = c.Info with
            {
                Spec = spec with
                {
                    Restart = update.Restart ?? spec.Restart,
                    MemoryBytes = update.MemoryBytes ?? spec.MemoryBytes,
                    Cpus = update.Cpus ?? spec.Cpus,
                    CpuShares = update.CpuShares ?? spec.CpuShares,
                    Annotations = update.Annotations ?? spec.Annotations,
                },
            };
            return Task.FromResult(c.Info);
        }
    }
}
