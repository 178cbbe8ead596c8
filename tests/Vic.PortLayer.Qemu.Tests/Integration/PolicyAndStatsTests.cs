using System.Text;
using Vic.PortLayer;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Tests.Integration;

/// <summary>Statistics and restart policies on real containerVMs.</summary>
[Collection("qemu")]
public sealed class PolicyAndStatsTests(QemuFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private PortLayerServices B => fixture.Backend;

    private static ContainerSpec Spec(string name, ContainerRestartPolicy restart, params string[] args) => new()
    {
        Id = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant().PadRight(64, '0'),
        Name = name + "-" + Guid.NewGuid().ToString("N")[..6],
        ImageLayerId = QemuFixture.BusyboxLayer,
        Process = new ProcessConfig { Args = args, Env = ["PATH=/bin"] },
        Restart = restart,
    };

    private async Task<ContainerInfo> EventuallyAsync(string id, Func<ContainerInfo, bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(Deadline);
        while (true)
        {
            ContainerInfo info = await B.Containers.InspectAsync(id, default);
            if (condition(info))
                return info;
            if (cts.IsCancellationRequested)
                throw new TimeoutException($"{what}: still {info.Status.State}, {info.Status.RestartCount} restarts");
            await Task.Delay(100);
        }
    }

    private async Task<string> LogAsync(string id)
    {
        var text = new StringBuilder();
        await foreach (OutputChunk c in B.Interaction.ReadOutputAsync(id, new LogReadOptions(), default))
            text.Append(Encoding.UTF8.GetString(c.Data.Span));
        return text.ToString();
    }

    [Fact]
    public async Task StatsReportTheVmsCpuMemoryAndDiskWrites()
    {
        ContainerSpec spec = Spec("stats", ContainerRestartPolicy.No,
            "sh", "-c", "dd if=/dev/zero of=/blob bs=1M count=4 2>/dev/null; sync; echo written; exec sleep 1000");
        await B.Containers.CreateAsync(spec, default);
        VmStats created = await B.Stats.SampleAsync(spec.Id, default);
        Assert.False(created.Running);
        Assert.Equal(512UL << 20, created.MemoryLimitBytes);

        await B.Containers.StartAsync(spec.Id, default);
        await EventuallyAsync(spec.Id, _ => LogAsync(spec.Id).Result.Contains("written"), "the write");
        VmStats first = await B.Stats.SampleAsync(spec.Id, default);
        await Task.Delay(500);
        VmStats second = await B.Stats.SampleAsync(spec.Id, default);

        Assert.True(first.Running);
        Assert.True(first.CpuTotalNs > 0 && second.CpuTotalNs >= first.CpuTotalNs);
        Assert.Equal(first.CpuUserNs + first.CpuKernelNs, first.CpuTotalNs);
        Assert.True(second.HostCpuTotalNs > first.HostCpuTotalNs);
        Assert.Equal(Environment.ProcessorCount, first.OnlineCpus);
        Assert.Equal(1, first.VmCpus);
        Assert.True(first.MemoryUsageBytes > 16UL << 20, $"RSS {first.MemoryUsageBytes}");
        DiskStats disk = Assert.Single(first.Disks);
        Assert.Equal("disk0", disk.Name);
        Assert.True(disk.WriteBytes >= 4UL << 20, $"written {disk.WriteBytes}");
        Assert.True(disk.WriteOps > 0);
        Assert.Empty(first.Networks); // no NIC was attached

        await B.Containers.StopAsync(spec.Id, TimeSpan.FromSeconds(5), default);
        Assert.False((await B.Stats.SampleAsync(spec.Id, default)).Running);
        await B.Containers.RemoveAsync(spec.Id, false, default);
    }

    [Fact]
    public async Task OnFailureRestartsUpToItsLimitAndCountsTheRestarts()
    {
        ContainerSpec spec = Spec("onfail", new ContainerRestartPolicy(RestartMode.OnFailure, 2), "sh", "-c", "echo run; exit 3");
        var states = new List<ContainerRunState>();
        void Track(object? sender, ContainerStateChanged change)
        {
            if (change.Id == spec.Id)
                lock (states)
                    states.Add(change.State);
        }
        B.Containers.StateChanged += Track;
        try
        {
            await B.Containers.CreateAsync(spec, default);
            await B.Containers.StartAsync(spec.Id, default);
            ContainerInfo done = await EventuallyAsync(spec.Id,
                i => i.Status.State == ContainerRunState.Exited && i.Status.RestartCount == 2, "two restarts then exited");
            Assert.Equal(3, done.Status.ExitCode);
            await Task.Delay(1000); // no third run
            Assert.Equal(ContainerRunState.Exited, (await B.Containers.InspectAsync(spec.Id, default)).Status.State);
            Assert.Equal("run\nrun\nrun\n", await LogAsync(spec.Id));
            lock (states)
                Assert.Equal(3, states.Count(s => s == ContainerRunState.Running));

            // A start by the user begins a new count, as docker start does.
            await B.Containers.StartAsync(spec.Id, default);
            Assert.Equal(0, (await B.Containers.InspectAsync(spec.Id, default)).Status.RestartCount);
            await EventuallyAsync(spec.Id, i => i.Status.State == ContainerRunState.Exited && i.Status.RestartCount == 2, "two more");
        }
        finally
        {
            B.Containers.StateChanged -= Track;
        }
        await B.Containers.RemoveAsync(spec.Id, false, default);
    }

    [Fact]
    public async Task AlwaysRestartsAfterACleanExitAndAStopEndsIt()
    {
        ContainerSpec spec = Spec("always", new ContainerRestartPolicy(RestartMode.Always), "sh", "-c", "echo run; sleep 1");
        await B.Containers.CreateAsync(spec, default);
        await B.Containers.StartAsync(spec.Id, default);
        await EventuallyAsync(spec.Id, i => i.Status.RestartCount >= 1 && i.Status.State == ContainerRunState.Running, "a restart");

        await B.Containers.StopAsync(spec.Id, TimeSpan.FromSeconds(5), default);
        ContainerInfo stopped = await B.Containers.InspectAsync(spec.Id, default);
        Assert.Equal(ContainerRunState.Exited, stopped.Status.State);
        int restarts = stopped.Status.RestartCount;
        await Task.Delay(2500); // longer than a run plus the back-off: a restart would have happened
        ContainerInfo later = await B.Containers.InspectAsync(spec.Id, default);
        Assert.Equal(ContainerRunState.Exited, later.Status.State);
        Assert.Equal(restarts, later.Status.RestartCount);
        await B.Containers.RemoveAsync(spec.Id, false, default);
    }

    [Fact]
    public async Task TheTetherRelaunchesWhileTheVchIsDownAndAVmThatDiedIsRestartedByTheVch()
    {
        ContainerSpec spec = Spec("down", new ContainerRestartPolicy(RestartMode.UnlessStopped),
            "sh", "-c", "echo run; exit 1");
        ContainerSpec stoppedByUser = Spec("manual", new ContainerRestartPolicy(RestartMode.UnlessStopped), "sh", "-c", "exec sleep 1000");
        await B.Containers.CreateAsync(spec, default);
        await B.Containers.CreateAsync(stoppedByUser, default);
        await B.Containers.StartAsync(spec.Id, default);
        await B.Containers.StartAsync(stoppedByUser.Id, default);
        await B.Containers.StopAsync(stoppedByUser.Id, TimeSpan.FromSeconds(5), default);
        int pid = (await B.Containers.InspectAsync(spec.Id, default)).Status.Pid;
        string dir = (await B.Containers.InspectAsync(spec.Id, default)).Location;
        string log = Path.Combine(dir, "output.log");

        PortLayerServices restarted = await fixture.RestartAsync(async () =>
        {
            // Nobody watches the VM now: its tether relaunches the process inside it, in the same QEMU process.
            using var cts = new CancellationTokenSource(Deadline);
            while (Encoding.UTF8.GetString(await File.ReadAllBytesAsync(log)).Split("\"Run\":").Length - 1 < 3)
                await Task.Delay(200, cts.Token);
            Assert.True(VmProcess.IsAlive(pid, dir));
            // Then the VM dies as a whole (QEMU killed): only the VCH can restart that, with a new QEMU.
            VmProcess.Kill(pid, dir);
            Assert.True(await VmProcess.WaitForExitAsync(pid, dir, Deadline, TimeProvider.System, default));
        });
        ContainerInfo back = await EventuallyAsync(spec.Id,
            i => i.Status.State is ContainerRunState.Running or ContainerRunState.Restarting && i.Status.Pid != pid && i.Status.Pid != 0,
            "the restart in a new VM after the VCH came back");
        Assert.True(back.Status.RestartCount >= 3, $"{back.Status.RestartCount} restarts"); // two or more inside the VM, one by the VCH
        Assert.Equal(ContainerRunState.Exited, (await restarted.Containers.InspectAsync(stoppedByUser.Id, default)).Status.State);

        await restarted.Containers.StopAsync(spec.Id, TimeSpan.FromSeconds(5), default);
        ContainerInfo stopped = await restarted.Containers.InspectAsync(spec.Id, default);
        Assert.Equal(ContainerRunState.Exited, stopped.Status.State);
        await Task.Delay(2500); // beyond a run and its back-off: nothing relaunches what the user stopped
        Assert.Equal(stopped.Status.RestartCount, (await restarted.Containers.InspectAsync(spec.Id, default)).Status.RestartCount);
        await restarted.Containers.RemoveAsync(spec.Id, false, default);
        await restarted.Containers.RemoveAsync(stoppedByUser.Id, false, default);
    }
}
