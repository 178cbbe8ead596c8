using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>Restart policies (with the VCH killed), docker stats, update, prune and wait conditions, with the real
/// docker CLI and python3-docker against a VCH of its own.</summary>
public sealed class PolicyStatsTests : IAsyncLifetime
{
    private readonly VchFixture _vch = new();

    public Task InitializeAsync() => _vch.InitializeAsync();
    public Task DisposeAsync() => _vch.DisposeAsync();

    private async Task<string> StateAsync(string id) => await _vch.OkAsync("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", id);

    private string OutputLog(string id) => Path.Combine(_vch.DatastorePath, "containers", id, "output.log");

    /// <summary>Started records in the container's output.log, as QEMU wrote them (each carries its run number).</summary>
    private int StartedRecords(string id) => File.ReadAllText(OutputLog(id)).Split("\"Run\":").Length - 1;

    private async Task<string> QemuPidsAsync(string id) => (await Shell.RunAsync("pgrep", ["-f", id])).Stdout.Trim();

    private async Task KillDaemonAsync()
    {
        var inspect = await _vch.MachineAsync("inspect", "--name", _vch.Name, "--format", "json");
        int daemonPid = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("Pid").GetInt32();
        await Shell.RunAsync("kill", ["-9", daemonPid.ToString()]);
    }

    [Fact]
    public async Task Always_relaunches_inside_the_vm_while_the_vch_is_killed_and_a_stop_ends_it_for_good()
    {
        string id = await _vch.OkAsync("run", "-d", "--restart", "always", "busybox", "sh", "-c", "echo run; exit 3");
        await Eventually.ThatAsync(async () => (await _vch.OkAsync("logs", id)).Contains("run"), "the first run printed");
        string qemu = await QemuPidsAsync(id);
        Assert.NotEqual("", qemu);

        await KillDaemonAsync();
        int startedAtKill = StartedRecords(id);
        // No VCH runs: the tether relaunches the process inside the same VM, and QEMU writes the records to disk.
        await Eventually.ThatAsync(() => Task.FromResult(StartedRecords(id) >= startedAtKill + 2), "two relaunches while the VCH was down",
            TimeSpan.FromSeconds(60));
        Assert.Equal(qemu, await QemuPidsAsync(id));

        var started = await _vch.MachineAsync("start", "--name", _vch.Name);
        Assert.True(started.ExitCode == 0, started.ToString());
        int restarts = int.Parse(await _vch.OkAsync("inspect", "-f", "{{.RestartCount}}", id));
        Assert.True(restarts >= startedAtKill + 1, $"RestartCount {restarts}, {StartedRecords(id)} runs on disk");
        Assert.Equal(qemu, await QemuPidsAsync(id)); // the same VM all along: no restart needed a new one
        int runs = (await _vch.OkAsync("logs", id)).Split('\n').Count(l => l == "run");
        Assert.True(runs >= 3, $"{runs} runs in the logs");

        await _vch.OkAsync("stop", "-t", "1", id);
        Assert.Equal("", await QemuPidsAsync(id)); // stopped: the VM powered off, nothing relaunched inside it
        string afterStop = await StateAsync(id);
        Assert.StartsWith("exited ", afterStop);
        await Task.Delay(TimeSpan.FromSeconds(5)); // beyond a run and its back-off
        Assert.Equal(afterStop, await StateAsync(id));
        Assert.Equal("", await QemuPidsAsync(id));
    }

    [Fact]
    public async Task On_failure_restarts_until_its_limit_and_inspect_counts_the_restarts()
    {
        string id = await _vch.OkAsync("run", "-d", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3");
        await Eventually.ThatAsync(async () => await StateAsync(id) == "exited 2", "two restarts, then exited", TimeSpan.FromSeconds(90));
        Assert.Equal("run\nrun\nrun", await _vch.OkAsync("logs", id));
        Assert.Equal("3", await _vch.OkAsync("inspect", "-f", "{{.State.ExitCode}}", id));
        // Both retries ran inside one VM (runs 1 to 3 of one boot), which then powered off.
        Assert.Equal(3, StartedRecords(id));
        Assert.Contains("\"Run\":3", File.ReadAllText(OutputLog(id)));
        Assert.Equal("", await QemuPidsAsync(id));
    }

    [Fact]
    public async Task A_vm_that_died_while_the_vch_was_killed_is_restarted_when_it_comes_back()
    {
        string id = await _vch.OkAsync("run", "-d", "--restart", "unless-stopped", "busybox", "sh", "-c", "echo up; sleep 1000");
        string stopped = await _vch.OkAsync("run", "-d", "--restart", "unless-stopped", "busybox", "sleep", "1000");
        await _vch.OkAsync("stop", "-t", "1", stopped);
        await Eventually.ThatAsync(async () => (await _vch.OkAsync("logs", id)).Contains("up"), "the first run printed");

        await KillDaemonAsync();
        // The whole VM dies while no VCH runs (QEMU killed): its tether cannot help, the VCH restarts it when back.
        foreach (string pid in (await QemuPidsAsync(id)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            await Shell.RunAsync("kill", ["-9", pid]);
        await Eventually.ThatAsync(async () => await QemuPidsAsync(id) == "", "the VM ended", TimeSpan.FromSeconds(30));

        var started = await _vch.MachineAsync("start", "--name", _vch.Name);
        Assert.True(started.ExitCode == 0, started.ToString());
        await Eventually.ThatAsync(async () => (await StateAsync(id)).StartsWith("running "), "restarted by its policy", TimeSpan.FromSeconds(60));
        Assert.NotEqual("running 0", await StateAsync(id));
        Assert.Equal("exited 0", await StateAsync(stopped)); // unless-stopped: a stop by the user holds across VCH restarts
        await _vch.OkAsync("stop", "-t", "1", id);
        await Task.Delay(TimeSpan.FromSeconds(5)); // beyond a run and its back-off: no restart after a stop
        Assert.StartsWith("exited ", await StateAsync(id));
    }

    [Fact]
    public async Task Stats_update_prune_and_wait_conditions()
    {
        string id = await _vch.OkAsync("run", "-d", "--name", "busy", "-m", "256m", "busybox", "sh", "-c", "while :; do :; done");
        string stats = await _vch.OkAsync("stats", "--no-stream", "--format", "{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.BlockIO}}", "busy");
        var fields = stats.Split('|');
        Assert.Equal("busy", fields[0]);
        double cpu = double.Parse(fields[1].TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(cpu > 20, $"a busy loop should show CPU use, got {stats}");
        Assert.EndsWith(" / 256MiB", fields[2]);

        Assert.Equal("busy", await _vch.OkAsync("update", "--restart", "always", "busy"));
        Assert.Equal("always", await _vch.OkAsync("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", id));
        var resize = await _vch.DockerAsync("update", "-m", "512m", "busy");
        Assert.NotEqual(0, resize.ExitCode);
        Assert.Contains("can be lowered but not raised above the 268435456 bytes it started with", resize.Stderr);
        // Lowering goes through the VM's balloon: the guest kernel's own total shrinks.
        long before = await MemTotalKiBAsync("busy");
        Assert.Equal("busy", await _vch.OkAsync("update", "-m", "128m", "busy"));
        long after = before;
        for (int i = 0; i < 60 && after > before - 64 * 1024; i++)
        {
            await Task.Delay(500);
            after = await MemTotalKiBAsync("busy");
        }
        Assert.True(after <= before - 64 * 1024, $"MemTotal {before} kB before the update, {after} kB after");
        Assert.Equal("134217728", await _vch.OkAsync("inspect", "-f", "{{.HostConfig.Memory}}", "busy"));

        // python3-docker drives the wait conditions the CLI has no flag for.
        string script = $$"""
            import docker, threading, time
            c = docker.DockerClient(base_url="{{_vch.DockerHost}}").containers.get("{{id}}")
            out = {}
            t = threading.Thread(target=lambda: out.update(next=c.wait(condition="next-exit")["StatusCode"]))
            t.start(); time.sleep(1); c.stop(timeout=1); t.join()
            print(out["next"], c.wait(condition="not-running")["StatusCode"])
            r = threading.Thread(target=lambda: out.update(removed=c.wait(condition="removed")["StatusCode"]))
            r.start(); time.sleep(1)
            print(docker.DockerClient(base_url="{{_vch.DockerHost}}").containers.prune()["ContainersDeleted"] == ["{{id}}"])
            r.join(); print(out["removed"])
            """;
        var python = await Shell.RunAsync("python3", ["-c", script]);
        Assert.True(python.ExitCode == 0, python.ToString());
        Assert.Equal("143 143\nTrue\n143\n", python.Stdout); // SIGTERM ended the shell
    }

    private async Task<long> MemTotalKiBAsync(string container) =>
        long.Parse((await _vch.OkAsync("exec", container, "awk", "/^MemTotal:/ { print $2 }", "/proc/meminfo")).Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
}
