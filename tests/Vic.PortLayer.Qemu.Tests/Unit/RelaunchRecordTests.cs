using System.Diagnostics;
using Vic.PortLayer;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Logs;
using Vic.PortLayer.Qemu.Tests.Support;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Tests.Unit;

/// <summary>
/// The tether's relaunch records (an Exit carrying the back-off, then a Started with the run number) read into
/// RestartCount, ExitCode, StartedAt and the Restarting state: by the watcher of a VM that is up, and by the rebuild
/// after the VCH was down. A shell process whose argv names the container directory stands in for QEMU.
/// </summary>
public sealed class RelaunchRecordTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly QemuBackendOptions _options;
    private readonly string _containers;
    private readonly List<Process> _fakeVms = [];

    public RelaunchRecordTests()
    {
        _options = BackendFactory.Options(_temp, BackendFactory.FakeContainerBase(_temp));
        _containers = Path.Combine(_options.DatastorePath, "containers");
        Directory.CreateDirectory(_containers);
    }

    public void Dispose()
    {
        foreach (Process p in _fakeVms.Where(p => !p.HasExited))
            p.Kill();
        _temp.Dispose();
    }

    private static DateTimeOffset T(int seconds) => T0.AddSeconds(seconds);

    private Process FakeVm(string dir)
    {
        Process p = Process.Start("/bin/sh", ["-c", "sleep 60", Path.Combine(dir, "qemu.pid")])!;
        _fakeVms.Add(p);
        return p;
    }

    /// <summary>A container recorded as running in a VM with <paramref name="pid"/>, booted with restart count
    /// <paramref name="restartBase"/> by a tether that relaunches.</summary>
    private async Task<(string Id, string Dir)> PrepareAsync(int seed, ContainerRestartPolicy policy, int pid, int restartBase, params byte[][] log)
    {
        ContainerSpec spec = ContainerStoreTests.Spec($"r{seed}", seed: seed) with { Restart = policy };
        string dir = Path.Combine(_containers, spec.Id);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "disk.qcow2"), []);
        LogFileWriter.Append(Path.Combine(dir, "output.log"), log);
        await ContainerRegistry.WriteRecordAsync(dir, new ContainerRecord
        {
            Spec = spec,
            Created = T0,
            Status = new ContainerStatus { State = ContainerRunState.Running, Pid = pid, StartedAt = T0, RestartCount = restartBase },
            RunRestartBase = restartBase,
            TetherRelaunches = true,
        }, default);
        return (spec.Id, dir);
    }

    private static async Task<ContainerInfo> EventuallyAsync(PortLayerServices b, string id, Func<ContainerInfo, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            ContainerInfo info = await b.Containers.InspectAsync(id, default);
            if (condition(info))
                return info;
            Assert.True(DateTime.UtcNow < deadline, $"still {info.Status.State}, {info.Status.RestartCount} restarts, exit {info.Status.ExitCode}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task TheWatcherTurnsEachRelaunchIntoRestartingThenRunningWithDieAndStartEvents()
    {
        string dir = Path.Combine(_containers, ContainerStoreTests.Spec("x", seed: 21).Id);
        Process vm = FakeVm(dir);
        var (id, _) = await PrepareAsync(21, new ContainerRestartPolicy(RestartMode.OnFailure, 2), vm.Id, restartBase: 1,
            LogFileWriter.Started(T(0), 40, 1));
        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        var events = new List<(ContainerRunState, int)>();
        b.Containers.StateChanged += (_, e) =>
        {
            lock (events)
                events.Add((e.State, e.ExitCode));
        };
        Task<ContainerExit> nextExit = b.Containers.WaitAsync(id, WaitCondition.NextExit, default);
        string logPath = Path.Combine(dir, "output.log");

        LogFileWriter.Append(logPath, LogFileWriter.Text(LogRecordKind.Stdout, T(1), "run\n"), LogFileWriter.RelaunchExit(T(2), 3, 100));
        ContainerInfo restarting = await EventuallyAsync(b, id, i => i.Status.State == ContainerRunState.Restarting);
        Assert.Equal(3, restarting.Status.ExitCode);
        Assert.Equal(T(2), restarting.Status.FinishedAt);
        Assert.Equal(vm.Id, restarting.Status.Pid); // the VM stays up while its tether waits
        Assert.Equal(3, (await nextExit.WaitAsync(TimeSpan.FromSeconds(10))).ExitCode);
        // While the tether waits, pause and non-forced removal are refused as dockerd refuses them for a restarting container.
        var pause = await Assert.ThrowsAsync<ConflictException>(() => b.Containers.PauseAsync(id, default));
        Assert.Equal($"Container {id} is restarting, wait until the container is running", pause.Message);
        var remove = await Assert.ThrowsAsync<ConflictException>(() => b.Containers.RemoveAsync(id, false, default));
        Assert.Contains("container is restarting: stop the container before removing or force remove", remove.Message);

        LogFileWriter.Append(logPath, LogFileWriter.Started(T(3), 41, 2));
        ContainerInfo running = await EventuallyAsync(b, id, i => i.Status.State == ContainerRunState.Running);
        Assert.Equal(2, running.Status.RestartCount); // one restart before this boot, one inside it
        Assert.Equal(T(3), running.Status.StartedAt);
        Assert.Equal(0, running.Status.ExitCode);

        // The policy said no more: a final Exit, and the VM powers off.
        LogFileWriter.Append(logPath, LogFileWriter.Exit(T(4), 3));
        vm.Kill();
        ContainerInfo exited = await EventuallyAsync(b, id, i => i.Status.State == ContainerRunState.Exited);
        Assert.Equal(3, exited.Status.ExitCode);
        Assert.Equal(2, exited.Status.RestartCount);
        Assert.Equal(0, exited.Status.Pid);
        lock (events)
            Assert.Equal([(ContainerRunState.Exited, 3), (ContainerRunState.Running, 0), (ContainerRunState.Exited, 3)], events);
        await BackendFactory.ShutdownAsync(b);
    }

    [Fact]
    public async Task OnReturnTheRelaunchesMadeWhileTheVchWasDownAreCounted()
    {
        string dir = Path.Combine(_containers, ContainerStoreTests.Spec("x", seed: 22).Id);
        Process vm = FakeVm(dir);
        var (id, _) = await PrepareAsync(22, new ContainerRestartPolicy(RestartMode.Always), vm.Id, restartBase: 0,
            LogFileWriter.Started(T(0), 40, 1), LogFileWriter.Text(LogRecordKind.Stdout, T(0), "run\n"), LogFileWriter.RelaunchExit(T(1), 3, 100),
            LogFileWriter.Started(T(2), 41, 2), LogFileWriter.Text(LogRecordKind.Stdout, T(2), "run\n"), LogFileWriter.RelaunchExit(T(3), 3, 200),
            LogFileWriter.Started(T(4), 42, 3));

        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        ContainerInfo info = await EventuallyAsync(b, id, i => i.Status.RestartCount == 2);
        Assert.Equal(ContainerRunState.Running, info.Status.State);
        Assert.Equal(T(4), info.Status.StartedAt);
        Assert.Equal(vm.Id, info.Status.Pid);
        // Persisted: the next VCH reads the same, and counting again from the run's start does not double it.
        await BackendFactory.ShutdownAsync(b);
        PortLayerServices again = await BackendFactory.CreateAsync(_options);
        await Task.Delay(300);
        Assert.Equal(2, (await again.Containers.InspectAsync(id, default)).Status.RestartCount);
        await BackendFactory.ShutdownAsync(again);
    }

    [Fact]
    public async Task AVmThatEndedWhileTheVchWasDownKeepsItsRelaunchCountAndOnFailureStopsAtItsLimit()
    {
        var (id, _) = await PrepareAsync(23, new ContainerRestartPolicy(RestartMode.OnFailure, 2), pid: 0, restartBase: 0,
            LogFileWriter.Started(T(0), 40, 1), LogFileWriter.RelaunchExit(T(1), 3, 100),
            LogFileWriter.Started(T(2), 41, 2), LogFileWriter.RelaunchExit(T(3), 3, 200),
            LogFileWriter.Started(T(4), 42, 3), LogFileWriter.Exit(T(5), 3));

        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        await Task.Delay(300); // a restart by the VCH would be under way by now
        ContainerInfo info = await b.Containers.InspectAsync(id, default);
        Assert.Equal(ContainerRunState.Exited, info.Status.State);
        Assert.Equal(3, info.Status.ExitCode);
        Assert.Equal(2, info.Status.RestartCount);
        await BackendFactory.ShutdownAsync(b);
    }

    [Fact]
    public async Task ARunCutOffAfterARelaunchHasNoExitReport()
    {
        string log = _temp.Combine("output.log");
        LogFileWriter.Append(log, LogFileWriter.Started(T(0), 40, 1), LogFileWriter.RelaunchExit(T(1), 3, 100), LogFileWriter.Started(T(2), 41, 2));
        ContainerExit cut = await VmRunner.ReadExitAsync(log, 0, killedByUs: false, default);
        Assert.Equal(255, cut.ExitCode); // not the earlier run's 3
        LogFileWriter.Append(log, LogFileWriter.Exit(T(3), 7));
        Assert.Equal(7, (await VmRunner.ReadExitAsync(log, 0, killedByUs: false, default)).ExitCode);
    }

    [Fact]
    public async Task TheScannerSkipsOutputReturnsEachRunRecordOnceAndWaitsForAPartialOne()
    {
        string log = _temp.Combine("scan.log");
        byte[] big = new byte[LogRecord.MaxPayload];
        byte[] exit = LogFileWriter.RelaunchExit(T(2), 1, 400);
        LogFileWriter.Append(log, LogFileWriter.Frame(LogRecordKind.Stdout, T(0), big), LogFileWriter.Started(T(1), 40, 1),
            LogFileWriter.Frame(LogRecordKind.Stderr, T(1), big), LogFileWriter.Frame(LogRecordKind.Stdout, T(1), big), exit[..5]);
        using var scanner = new RunRecordScanner(log, 0);

        List<RunRecord> first = await scanner.ReadNewAsync(default);
        RunRecord started = Assert.Single(first);
        Assert.Equal((40, 1, T(1)), (started.Started!.Pid, started.Started.Run, started.Time));
        Assert.Empty(await scanner.ReadNewAsync(default)); // the Exit is not all there yet

        LogFileWriter.Append(log, exit[5..], LogFileWriter.Text(LogRecordKind.Tether, T(3), "relaunching"));
        RunRecord ended = Assert.Single(await scanner.ReadNewAsync(default));
        Assert.Equal((1, 400L), (ended.Exit!.ExitCode, ended.Exit.RelaunchDelayMs));
        Assert.Equal(new FileInfo(log).Length, scanner.Offset);
    }

    [Fact]
    public void TheFoldKeepsAPausedVmPausedAndIgnoresTheFirstStartAndTheFinalExit()
    {
        var running = new ContainerStatus { State = ContainerRunState.Running, Pid = 9, StartedAt = T0 };
        Assert.Equal(running, RunProgress.Apply(running, 0, new RunRecord(T(1), new StartedReport { Pid = 1, Run = 1 }, null), out var raised));
        Assert.Null(raised);
        Assert.Equal(running, RunProgress.Apply(running, 0, new RunRecord(T(1), null, new ExitReport { ExitCode = 2 }), out raised));
        Assert.Null(raised);

        ContainerStatus paused = running with { State = ContainerRunState.Paused };
        ContainerStatus after = RunProgress.Apply(paused, 4, new RunRecord(T(2), new StartedReport { Pid = 1, Run = 3 }, null), out raised);
        Assert.Equal((ContainerRunState.Paused, 6, T(2)), (after.State, after.RestartCount, after.StartedAt));
        Assert.Null(raised);
    }

    [Fact]
    public void TheVmSpecCarriesThePolicyForTheTether()
    {
        ContainerSpec spec = ContainerStoreTests.Spec("p", seed: 24) with { Restart = new ContainerRestartPolicy(RestartMode.OnFailure, 2) };
        VmSpec vm = VmSpecFactory.ForContainer(spec, T0);
        Assert.Equal(new RestartPolicySpec { Mode = RelaunchMode.OnFailure, MaximumRetryCount = 2 }, vm.Restart);
        Assert.Null(VmSpecFactory.ForContainer(spec with { Restart = ContainerRestartPolicy.No }, T0).Restart);
        Assert.Equal(RelaunchMode.UnlessStopped, VmSpecFactory.ForTether(new ContainerRestartPolicy(RestartMode.UnlessStopped))!.Mode);
    }
}
