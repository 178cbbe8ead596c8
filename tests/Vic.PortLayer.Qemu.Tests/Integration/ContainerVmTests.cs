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

    [Fact]
    public async Task ARunOfLayersIsAppliedInOneVmAndEachLayerStandsOnThePublishedOneBelow()
    {
        const string one = "sha256:7a00000000000000000000000000000000000000000000000000000000000001";
        const string two = "sha256:7a00000000000000000000000000000000000000000000000000000000000002";
        const string three = "sha256:7a00000000000000000000000000000000000000000000000000000000000003";
        await using (ILayerRun run = B.Layers.BeginRun(QemuFixture.BusyboxLayer))
        {
            await run.WriteLayerAsync(one, QemuFixture.BusyboxLayer, Support.BusyboxImage.BuildLayerTar(("etc/motd", "one\n"), ("etc/gone", "here\n")), default);
            await run.WriteLayerAsync(two, one, Support.BusyboxImage.BuildLayerTar(("etc/gone", null), ("etc/two", "two\n")), default);
            await run.WriteLayerAsync(three, two, Support.BusyboxImage.BuildLayerTar(("etc/motd", "three\n")), default);
        }
        string layers = Path.Combine(fixture.Options.DatastorePath, "layers");
        IReadOnlyList<LayerInfo> all = await B.Layers.ListAsync(default);
        Assert.Contains(all, l => l.LayerId == one && l.ParentLayerId == QemuFixture.BusyboxLayer);
        Assert.Contains(all, l => l.LayerId == two && l.ParentLayerId == one);
        Assert.Contains(all, l => l.LayerId == three && l.ParentLayerId == two);
        // Each disk's header names the published disk below it, never the run's work directory.
        Assert.Equal(Path.Combine(layers, QemuFixture.BusyboxLayer[7..], "disk.qcow2"), BackingFile(Path.Combine(layers, one[7..], "disk.qcow2")));
        Assert.Equal(Path.Combine(layers, one[7..], "disk.qcow2"), BackingFile(Path.Combine(layers, two[7..], "disk.qcow2")));
        Assert.Equal(Path.Combine(layers, two[7..], "disk.qcow2"), BackingFile(Path.Combine(layers, three[7..], "disk.qcow2")));
        Assert.DoesNotContain(Directory.EnumerateDirectories(layers), d => Path.GetFileName(d).StartsWith(".tmp-", StringComparison.Ordinal));
        Assert.Empty(LayerVmProcesses());

        // Each layer, run on its own, shows what it and the layers below it hold: the whiteout hides only from two on.
        const string show = "cat /etc/motd; cat /etc/gone 2>/dev/null || echo no-gone; cat /etc/two 2>/dev/null || echo no-two";
        var expected = new (string Layer, string Output)[] { (one, "one\nhere\nno-two\n"), (two, "one\nno-gone\ntwo\n"), (three, "three\nno-gone\ntwo\n") };
        foreach ((string layer, string text) in expected)
        {
            ContainerSpec spec = Spec("run", "sh", "-c", show) with { ImageLayerId = layer };
            Assert.Equal(0, (await RunToExitAsync(spec)).ExitCode);
            Assert.Equal(text, Text(await ReadAsync(spec.Id, new LogReadOptions())));
            await B.Containers.RemoveAsync(spec.Id, false, default);
        }
        foreach (string layer in new[] { three, two, one })
            await B.Layers.RemoveLayerAsync(layer, default);
    }

    [Fact]
    public async Task ABadTarInARunFailsThatLayerAloneAndTheRunLeavesNothingBehind()
    {
        const string good = "sha256:7b00000000000000000000000000000000000000000000000000000000000001";
        const string bad = "sha256:7b00000000000000000000000000000000000000000000000000000000000002";
        const string sibling = "sha256:7b00000000000000000000000000000000000000000000000000000000000003";
        await using (ILayerRun run = B.Layers.BeginRun(QemuFixture.BusyboxLayer))
        {
            await run.WriteLayerAsync(good, QemuFixture.BusyboxLayer, Support.BusyboxImage.BuildLayerTar(("etc/motd", "good\n")), default);
            var garbage = new MemoryStream(Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 + 3)).ToArray());
            var e = await Assert.ThrowsAsync<InternalException>(() => run.WriteLayerAsync(bad, good, garbage, default));
            output.WriteLine(e.Message);
            Assert.Contains($"applying layer {bad} failed: failed to apply layer", e.Message, StringComparison.Ordinal);
            // After a failure the run writes alone, and a layer on another parent is written alone too.
            await run.WriteLayerAsync(sibling, QemuFixture.BusyboxLayer, Support.BusyboxImage.BuildLayerTar(("etc/motd", "sibling\n")), default);
        }
        Assert.True(await B.Layers.ExistsAsync(good, default));
        Assert.False(await B.Layers.ExistsAsync(bad, default));
        Assert.Contains(await B.Layers.ListAsync(default), l => l.LayerId == sibling && l.ParentLayerId == QemuFixture.BusyboxLayer);
        string layers = Path.Combine(fixture.Options.DatastorePath, "layers");
        Assert.DoesNotContain(Directory.EnumerateDirectories(layers), d => Path.GetFileName(d).StartsWith(".tmp-", StringComparison.Ordinal));
        Assert.Empty(LayerVmProcesses());
        ContainerSpec spec = Spec("good", "cat", "/etc/motd") with { ImageLayerId = good };
        Assert.Equal(0, (await RunToExitAsync(spec)).ExitCode);
        Assert.Equal("good\n", Text(await ReadAsync(spec.Id, new LogReadOptions())));
        await B.Containers.RemoveAsync(spec.Id, false, default);
        await B.Layers.RemoveLayerAsync(good, default);
        await B.Layers.RemoveLayerAsync(sibling, default);
    }

    private static string BackingFile(string disk)
    {
        using var p = Process.Start(new ProcessStartInfo("qemu-img", ["info", "-U", "--output=json", disk]) { RedirectStandardOutput = true })!;
        string json = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("backing-filename").GetString()!;
    }

    /// <summary>QEMU processes of this datastore's layer VMs (a run's "vic-layers", a single layer's "vic-layer-...") still alive.</summary>
    private List<int> LayerVmProcesses() =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => int.TryParse(n, out _)).Select(int.Parse!)
            .Where(pid =>
            {
                try
                {
                    string cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
                    return cmdline.Contains("process=vic-layer", StringComparison.Ordinal)
                        && cmdline.Contains(fixture.Options.DatastorePath, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            }).ToList();

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
