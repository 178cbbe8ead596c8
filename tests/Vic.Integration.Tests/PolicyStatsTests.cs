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

    [Fact]
    public async Task On_failure_restarts_until_its_limit_and_inspect_counts_the_restarts()
    {
        string id = await _vch.OkAsync("run", "-d", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3");
        await Eventually.ThatAsync(async () => await StateAsync(id) == "exited 2", "two restarts, then exited", TimeSpan.FromSeconds(90));
        Assert.Equal("run\nrun\nrun", await _vch.OkAsync("logs", id));
        Assert.Equal("3", await _vch.OkAsync("inspect", "-f", "{{.State.ExitCode}}", id));
    }

    [Fact]
    public async Task A_container_that_ended_while_the_vch_was_killed_is_restarted_when_it_comes_back()
    {
        string id = await _vch.OkAsync("run", "-d", "--restart", "unless-stopped", "busybox", "sh", "-c", "echo up; sleep 3; exit 1");
        string stopped = await _vch.OkAsync("run", "-d", "--restart", "unless-stopped", "busybox", "sleep", "1000");
        await _vch.OkAsync("stop", "-t", "1", stopped);
        await Eventually.ThatAsync(async () => (await _vch.OkAsync("logs", id)).Contains("up"), "the first run printed");

        var inspect = await _vch.MachineAsync("inspect", "--name", _vch.Name, "--format", "json");
        int daemonPid = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("Pid").GetInt32();
        await Shell.RunAsync("kill", ["-9", daemonPid.ToString()]);
        // Its VM ends on its own while no VCH runs.
        await Eventually.ThatAsync(async () => (await Shell.RunAsync("pgrep", ["-f", id])).Stdout.Trim() == "", "the VM ended", TimeSpan.FromSeconds(30));

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
        Assert.Contains("the memory and CPUs of a running containerVM cannot be changed", resize.Stderr);

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
}
