using System.Diagnostics;
using Vic.PortLayer;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Tests.Support;

namespace Vic.PortLayer.Qemu.Tests.Unit;

/// <summary>Datastore rebuild at startup from directories laid out by hand (what a crashed VCH leaves).</summary>
public sealed class RebuildTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly QemuBackendOptions _options;
    private readonly string _containers;

    public RebuildTests()
    {
        _options = BackendFactory.Options(_temp, BackendFactory.FakeContainerBase(_temp));
        _containers = Path.Combine(_options.DatastorePath, "containers");
        Directory.CreateDirectory(_containers);
    }

    public void Dispose() => _temp.Dispose();

    private async Task<string> PrepareAsync(int seed, ContainerRunState state, int pid, long runOffset, params byte[][] log)
    {
        ContainerSpec spec = ContainerStoreTests.Spec($"c{seed}", seed: seed);
        string dir = Path.Combine(_containers, spec.Id);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "disk.qcow2"), []);
        if (log.Length > 0)
            LogFileWriter.Append(Path.Combine(dir, "output.log"), log);
        var record = new ContainerRecord
        {
            Spec = spec,
            Created = T0,
            Status = new ContainerStatus { State = state, Pid = pid, StartedAt = state == ContainerRunState.Running ? T0 : null },
            RunLogOffset = runOffset,
        };
        await ContainerRegistry.WriteRecordAsync(dir, record, default);
        return spec.Id;
    }

    [Fact]
    public async Task DeadVmsAreMarkedExitedFromTheirLog()
    {
        byte[] oldRun = LogFileWriter.Exit(T0, 0);
        // Our own pid is alive but is not that VM (its cmdline lacks the container dir): it must not be adopted.
        string exited3 = await PrepareAsync(1, ContainerRunState.Running, Environment.ProcessId, oldRun.Length,
            oldRun, LogFileWriter.Text(Tether.Protocol.LogRecordKind.Stdout, T0, "hi\n"), LogFileWriter.Exit(T0, 3, null));
        string crashed = await PrepareAsync(2, ContainerRunState.Running, 0, oldRun.Length, oldRun);
        string created = await PrepareAsync(3, ContainerRunState.Created, 0, 0);
        string halfMade = Path.Combine(_containers, new string('f', 64));
        Directory.CreateDirectory(halfMade);
        File.WriteAllBytes(Path.Combine(halfMade, "disk.qcow2"), []);
        string litter = Path.Combine(_containers, ".tmp-999999999-deadbeef");
        Directory.CreateDirectory(litter);

        PortLayerServices b = await BackendFactory.CreateAsync(_options);

        ContainerInfo a = await b.Containers.InspectAsync(exited3, default);
        Assert.Equal(ContainerRunState.Exited, a.Status.State);
        Assert.Equal(3, a.Status.ExitCode);
        Assert.Equal(0, a.Status.Pid);
        Assert.NotNull(a.Status.FinishedAt);

        ContainerInfo c = await b.Containers.InspectAsync(crashed, default);
        Assert.Equal(ContainerRunState.Exited, c.Status.State);
        Assert.Equal(255, c.Status.ExitCode);
        Assert.Equal("containerVM exited unexpectedly", c.Status.Error);

        Assert.Equal(ContainerRunState.Created, (await b.Containers.InspectAsync(created, default)).Status.State);
        Assert.False(Directory.Exists(halfMade));
        Assert.False(Directory.Exists(litter));
        Assert.Equal(3, (await b.Containers.ListAsync(default)).Count);

        // The decision was persisted: a second rebuild reads the same.
        Assert.Equal(ContainerRunState.Exited, ContainerRegistry.ReadRecord(a.Location).Status.State);
    }

    [Fact]
    public async Task LiveVmIsReadoptedAndItsExitIsSeen()
    {
        ContainerSpec spec = ContainerStoreTests.Spec("c9", seed: 9);
        string dir = Path.Combine(_containers, spec.Id);
        // Stands in for a QEMU process: alive, and its command line names the container directory.
        using var process = Process.Start("/bin/sh", ["-c", "sleep 30", Path.Combine(dir, "qemu.pid")])!;
        try
        {
            string id = await PrepareAsync(9, ContainerRunState.Running, process.Id, 0, LogFileWriter.Text(Tether.Protocol.LogRecordKind.Stdout, T0, "up\n"));
            PortLayerServices b = await BackendFactory.CreateAsync(_options);
            ContainerInfo info = await b.Containers.InspectAsync(id, default);
            Assert.Equal(ContainerRunState.Running, info.Status.State);
            Assert.Equal(process.Id, info.Status.Pid);

            Task<ContainerExit> wait = b.Containers.WaitAsync(id, WaitCondition.NotRunning, default);
            Assert.False(wait.IsCompleted);
            LogFileWriter.Append(Path.Combine(dir, "output.log"), LogFileWriter.Exit(T0, 42));
            process.Kill();
            ContainerExit exit = await wait.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(42, exit.ExitCode);
            Assert.Equal(ContainerRunState.Exited, (await b.Containers.InspectAsync(id, default)).Status.State);
            await BackendFactory.ShutdownAsync(b);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }
}
