using System.Diagnostics;
using System.Text;
using Vic.PortLayer;
using Vic.PortLayer.Qemu.Vm;
using Xunit.Abstractions;

namespace Vic.PortLayer.Qemu.Tests.Integration;

/// <summary>Real containerVMs: QEMU (TCG here), the real container base and tether, the busybox layer.</summary>
[Collection("qemu")]
public sealed class ContainerVmTests(QemuFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private PortLayerServices B => fixture.Backend;

    private static ContainerSpec Spec(string name, params string[] args) => new()
    {
        Id = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant().PadRight(64, '0'),
        Name = name + "-" + Guid.NewGuid().ToString("N")[..6],
        ImageLayerId = QemuFixture.BusyboxLayer,
        Process = new ProcessConfig { Args = args, Env = ["PATH=/bin"] },
    };

    private async Task<List<OutputChunk>> ReadAsync(string id, LogReadOptions options)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var chunks = new List<OutputChunk>();
        await foreach (OutputChunk c in B.Interaction.ReadOutputAsync(id, options, cts.Token))
            chunks.Add(c);
        return chunks;
    }

    private static string Text(IEnumerable<OutputChunk> chunks, OutputStream? stream = null) =>
        string.Concat(chunks.Where(c => stream is null || c.Stream == stream).Select(c => Encoding.UTF8.GetString(c.Data.Span)));

    private async Task<ContainerExit> RunToExitAsync(ContainerSpec spec)
    {
        await B.Containers.CreateAsync(spec, default);
        await B.Containers.StartAsync(spec.Id, default);
        using var cts = new CancellationTokenSource(Deadline);
        return await B.Containers.WaitAsync(spec.Id, WaitCondition.NotRunning, cts.Token);
    }

    [Fact]
    public async Task RunsAProcessAndKeepsItsOutputAndExitCode()
    {
        output.WriteLine($"busybox layer written in {fixture.LayerWriteTime.TotalMilliseconds:0} ms");
        ContainerSpec spec = Spec("echo", "sh", "-c", "echo hi; echo err >&2; exit 3");
        ContainerExit exit = await RunToExitAsync(spec);
        Assert.Equal(3, exit.ExitCode);

        List<OutputChunk> chunks = await ReadAsync(spec.Id, new LogReadOptions());
        Assert.Equal("hi\n", Text(chunks, OutputStream.Stdout));
        Assert.Equal("err\n", Text(chunks, OutputStream.Stderr));
        ContainerInfo info = await B.Containers.InspectAsync(spec.Id, default);
        Assert.Equal(ContainerRunState.Exited, info.Status.State);
        Assert.Equal(3, info.Status.ExitCode);
        Assert.NotNull(info.Status.FinishedAt);
        Assert.False(File.Exists(Path.Combine(info.Location, "control.sock")), "no socket outlives its VM");
        Assert.False(File.Exists(Path.Combine(info.Location, "qmp.sock")));

        // Attach before start (docker start -a): only the next run's output, ending when that run ends.
        Task<List<OutputChunk>> attached = ReadAsync(spec.Id, new LogReadOptions { Follow = true, WaitForRun = true, FromNow = true });
        await Task.Delay(200);
        Assert.False(attached.IsCompleted);
        // A second run appends to the same log; the exit code is the new run's.
        await B.Containers.StartAsync(spec.Id, default);
        using var cts = new CancellationTokenSource(Deadline);
        Assert.Equal(3, (await B.Containers.WaitAsync(spec.Id, WaitCondition.NotRunning, cts.Token)).ExitCode);
        // Two pipes read by the tether carry no order between them (dockerd gives none either): compare per stream.
        List<OutputChunk> secondRun = await attached.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("hi\n", Text(secondRun, OutputStream.Stdout));
        Assert.Equal("err\n", Text(secondRun, OutputStream.Stderr));
        Assert.Equal("hi\nhi\n", Text(await ReadAsync(spec.Id, new LogReadOptions { Stderr = false })));
        Assert.Equal(["hi\n"], (await ReadAsync(spec.Id, new LogReadOptions { Tail = 1, Stderr = false })).Select(c => Encoding.UTF8.GetString(c.Data.Span)));
        await B.Containers.RemoveAsync(spec.Id, false, default);
    }

    [Fact]
    public async Task TrueContainerBootToExitTime()
    {
        ContainerSpec spec = Spec("true", "true");
        await B.Containers.CreateAsync(spec, default);
        var clock = Stopwatch.StartNew();
        await B.Containers.StartAsync(spec.Id, default);
        TimeSpan started = clock.Elapsed;
        using var cts = new CancellationTokenSource(Deadline);
        ContainerExit exit = await B.Containers.WaitAsync(spec.Id, WaitCondition.NotRunning, cts.Token);
        output.WriteLine($"true container: StartAsync {started.TotalMilliseconds:0} ms, start to exit recorded {clock.ElapsedMilliseconds} ms");
        Assert.Equal(0, exit.ExitCode);
        await B.Containers.RemoveAsync(spec.Id, false, default);
    }

    [Fact]
    public async Task StopEndsALongRunningContainer()
    {
        ContainerSpec spec = Spec("sleep", "sh", "-c", "echo ready; exec sleep 1000");
        await B.Containers.CreateAsync(spec, default);
        await B.Containers.StartAsync(spec.Id, default);
        ContainerInfo running = await B.Containers.InspectAsync(spec.Id, default);
        Assert.Equal(ContainerRunState.Running, running.Status.State);
        int pid = running.Status.Pid;

        // QEMU is detached from us (DESIGN rule 2): not our child, another session and process group.
        (int ppid, int pgrp, int session) vm = Stat(pid), me = Stat(Environment.ProcessId);
        Assert.NotEqual(Environment.ProcessId, vm.ppid);
        Assert.NotEqual(me.session, vm.session);
        Assert.NotEqual(me.pgrp, vm.pgrp);

        await WaitForOutputAsync(spec.Id, "ready"); // the process runs: SIGTERM now reaches sleep itself
        await Task.Delay(TimeSpan.FromSeconds(3)); // let the guest settle to idle
        output.WriteLine($"idle sleep containerVM: {SmapsRollup(pid)}");

        var clock = Stopwatch.StartNew();
        await B.Containers.StopAsync(spec.Id, TimeSpan.FromSeconds(5), default);
        output.WriteLine($"StopAsync took {clock.ElapsedMilliseconds} ms");
        ContainerInfo stopped = await B.Containers.InspectAsync(spec.Id, default);
        Assert.Equal(ContainerRunState.Exited, stopped.Status.State);
        Assert.Equal(143, stopped.Status.ExitCode); // SIGTERM delivered to the process by the tether
        Assert.False(VmProcess.IsAlive(pid, running.Location));
        await Assert.ThrowsAsync<ConflictException>(() => B.Containers.KillAsync(spec.Id, 9, default));
        await B.Containers.RemoveAsync(spec.Id, false, default);
    }

    [Fact]
    public async Task StdinReachesTheProcess()
    {
        ContainerSpec spec = Spec("cat", "cat") with { Process = new ProcessConfig { Args = ["cat"], Env = ["PATH=/bin"], OpenStdin = true } };
        await B.Containers.CreateAsync(spec, default);
        await B.Containers.StartAsync(spec.Id, default);
        await B.Interaction.WriteStdinAsync(spec.Id, "hello\n"u8.ToArray(), default);
        await B.Interaction.WriteStdinAsync(spec.Id, "world\n"u8.ToArray(), default);
        await B.Interaction.CloseStdinAsync(spec.Id, default);
        using var cts = new CancellationTokenSource(Deadline);
        Assert.Equal(0, (await B.Containers.WaitAsync(spec.Id, WaitCondition.NotRunning, cts.Token)).ExitCode);
        Assert.Equal("hello\nworld\n", Text(await ReadAsync(spec.Id, new LogReadOptions())));
        await B.Containers.RemoveAsync(spec.Id, false, default);
    }

    [Fact]
    public async Task ARestartedBackendReadoptsARunningContainer()
    {
        ContainerSpec spec = Spec("readopt", "sh", "-c", "echo started; exec sleep 1000");
        await B.Containers.CreateAsync(spec, default);
        await B.Containers.StartAsync(spec.Id, default);
        // Follow until the first line is there, so the VM is really up before the "VCH" goes away.
        await WaitForOutputAsync(spec.Id, "started");
        int pid = (await B.Containers.InspectAsync(spec.Id, default)).Status.Pid;

        PortLayerServices restarted = await fixture.RestartAsync();
        ContainerInfo seen = await restarted.Containers.InspectAsync(spec.Id, default);
        Assert.Equal(ContainerRunState.Running, seen.Status.State);
        Assert.Equal(pid, seen.Status.Pid);
        Assert.Equal("started\n", Text(await ReadAsync(spec.Id, new LogReadOptions())));

        await restarted.Containers.StopAsync(spec.Id, TimeSpan.FromSeconds(5), default);
        Assert.Equal(ContainerRunState.Exited, (await restarted.Containers.InspectAsync(spec.Id, default)).Status.State);
        Assert.False(VmProcess.IsAlive(pid, seen.Location));
        await restarted.Containers.RemoveAsync(spec.Id, false, default);
    }

    [Fact]
    public async Task ForceRemoveKillsAndFreesTheDisk()
    {
        ContainerSpec spec = Spec("rm", "sleep", "1000");
        ContainerInfo info = await B.Containers.CreateAsync(spec, default);
        await B.Containers.StartAsync(spec.Id, default);
        await Assert.ThrowsAsync<ConflictException>(() => B.Containers.RemoveAsync(spec.Id, false, default));
        int pid = (await B.Containers.InspectAsync(spec.Id, default)).Status.Pid;
        await B.Containers.RemoveAsync(spec.Id, force: true, default);
        Assert.False(Directory.Exists(info.Location));
        Assert.False(VmProcess.IsAlive(pid, info.Location));
    }

    [Fact]
    public async Task ALayerChainIsSharedByTwoContainersAndProtectedWhileUsed()
    {
        const string child = "sha256:5a00000000000000000000000000000000000000000000000000000000000002";
        // Two concurrent writes of one layer: the first does the work, the second waits and never reads its tar.
        using MemoryStream first = Support.BusyboxImage.BuildFileTar("etc/motd", "layered\n"), second = Support.BusyboxImage.BuildFileTar("etc/motd", "layered\n");
        Task a = B.Layers.WriteLayerAsync(child, QemuFixture.BusyboxLayer, first, default);
        Task b = B.Layers.WriteLayerAsync(child, QemuFixture.BusyboxLayer, second, default);
        await Task.WhenAll(a, b);
        Assert.Equal(0, second.Position);
        Assert.Equal(first.Length, first.Position);
        Assert.Contains(await B.Layers.ListAsync(default), l => l.LayerId == child && l.ParentLayerId == QemuFixture.BusyboxLayer);

        ContainerSpec one = Spec("one", "sh", "-c", "cat /etc/motd; echo one > /tmp/f; cat /tmp/f") with { ImageLayerId = child };
        ContainerSpec two = Spec("two", "sh", "-c", "cat /tmp/f 2>/dev/null || echo clean") with { ImageLayerId = child };
        Assert.Equal(0, (await RunToExitAsync(one)).ExitCode);
        Assert.Equal(0, (await RunToExitAsync(two)).ExitCode);
        Assert.Equal("layered\none\n", Text(await ReadAsync(one.Id, new LogReadOptions()))); // the parent's files and the child's
        Assert.Equal("clean\n", Text(await ReadAsync(two.Id, new LogReadOptions()))); // each container has its own writable disk

        await Assert.ThrowsAsync<ConflictException>(() => B.Layers.RemoveLayerAsync(QemuFixture.BusyboxLayer, default)); // has a child
        await Assert.ThrowsAsync<ConflictException>(() => B.Layers.RemoveLayerAsync(child, default)); // used by containers
        await B.Containers.RemoveAsync(one.Id, false, default);
        await Assert.ThrowsAsync<ConflictException>(() => B.Layers.RemoveLayerAsync(child, default));
        await B.Containers.RemoveAsync(two.Id, false, default);
        await B.Layers.RemoveLayerAsync(child, default);
        Assert.False(await B.Layers.ExistsAsync(child, default));
    }

    [Fact]
    public async Task ABadTarFailsCleanlyWithTheTethersMessage()
    {
        const string bad = "sha256:bad0000000000000000000000000000000000000000000000000000000000003";
        var garbage = new MemoryStream(Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 + 3)).ToArray());
        var e = await Assert.ThrowsAsync<InternalException>(() => B.Layers.WriteLayerAsync(bad, null, garbage, default));
        output.WriteLine(e.Message);
        Assert.False(await B.Layers.ExistsAsync(bad, default));
        string layers = Path.Combine(fixture.Options.DatastorePath, "layers");
        Assert.DoesNotContain(Directory.EnumerateDirectories(layers), d => Path.GetFileName(d).StartsWith(".tmp-", StringComparison.Ordinal));
    }

    private async Task WaitForOutputAsync(string id, string text)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await foreach (OutputChunk c in B.Interaction.ReadOutputAsync(id, new LogReadOptions { Follow = true }, cts.Token))
        {
            if (Encoding.UTF8.GetString(c.Data.Span).Contains(text, StringComparison.Ordinal))
                return;
        }
        throw new InvalidOperationException($"container {id} ended before printing '{text}'");
    }

    private static (int Ppid, int Pgrp, int Session) Stat(int pid)
    {
        // Fields after the parenthesised command name: state ppid pgrp session ...
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]));
    }

    private static string SmapsRollup(int pid)
    {
        var lines = File.ReadAllLines($"/proc/{pid}/smaps_rollup");
        return string.Join(", ", lines.Where(l => l.StartsWith("Pss", StringComparison.Ordinal) || l.StartsWith("Rss", StringComparison.Ordinal))
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }
}
