using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>Containers outlive the VCH process (DESIGN rule 2), with a VCH of its own so other tests are not disturbed.</summary>
public sealed class SurvivalTests : IAsyncLifetime
{
    private readonly VchFixture _vch = new();

    public Task InitializeAsync() => _vch.InitializeAsync();
    public Task DisposeAsync() => _vch.DisposeAsync();

    [Fact]
    public async Task Containers_keep_running_through_a_sigkill_of_the_vch_and_are_readopted()
    {
        string id = await _vch.OkAsync("run", "-d", "--name", "ticker", "busybox", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done");
        await Eventually.ThatAsync(async () => (await _vch.OkAsync("logs", id)).Contains("tick 1"), "the container printed its first ticks");
        string qemuPids = (await Shell.RunAsync("pgrep", ["-f", id])).Stdout.Trim();
        Assert.NotEqual("", qemuPids);

        var inspect = await _vch.MachineAsync("inspect", "--name", _vch.Name, "--format", "json");
        int daemonPid = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("Pid").GetInt32();
        await Shell.RunAsync("kill", ["-9", daemonPid.ToString()]);
        // The container keeps printing while no VCH runs: its log (written by QEMU) grows.
        string log = Path.Combine(_vch.DatastorePath, "containers", id, "output.log");
        long sizeAtKill = new FileInfo(log).Length;
        await Eventually.ThatAsync(() => Task.FromResult(new FileInfo(log).Length > sizeAtKill + 100), "the log grew while the VCH was down");
        Assert.Equal(qemuPids, (await Shell.RunAsync("pgrep", ["-f", id])).Stdout.Trim());

        var started = await _vch.MachineAsync("start", "--name", _vch.Name);
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Equal("ticker running", await _vch.OkAsync("inspect", "-f", "{{.Name}} {{.State.Status}}", id).ContinueWith(t => t.Result.TrimStart('/')));
        string logs = await _vch.OkAsync("logs", id);
        int ticks = logs.Split('\n').Count(l => l.StartsWith("tick "));
        Assert.True(ticks >= 5, "expected the ticks written while the VCH was down, got:\n" + logs);
        await _vch.OkAsync("stop", "-t", "20", id);
        Assert.Equal("143", await _vch.OkAsync("wait", id));
    }

    [Fact]
    public async Task Events_from_before_a_sigkill_of_the_vch_are_answered_after_it_with_the_same_json()
    {
        string since = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var run = await _vch.DockerAsync("run", "--name", "evented", "busybox", "sh", "-c", "exit 3");
        Assert.True(run.ExitCode == 3, run.ToString());
        string id = await _vch.OkAsync("inspect", "-f", "{{.Id}}", "evented");
        await _vch.OkAsync("rm", id);
        // An until in the past makes the CLI print the recorded events and return.
        await Task.Delay(1100);
        string until = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] query = ["events", "--since", since, "--until", until, "--filter", "container=" + id, "--format", "{{json .}}"];
        string before = await _vch.OkAsync(query);
        var actions = before.Split('\n').Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Action").GetString()).ToList();
        Assert.Equal(["create", "start", "die", "destroy"], actions);

        var inspect = await _vch.MachineAsync("inspect", "--name", _vch.Name, "--format", "json");
        int daemonPid = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("Pid").GetInt32();
        await Shell.RunAsync("kill", ["-9", daemonPid.ToString()]);
        var started = await _vch.MachineAsync("start", "--name", _vch.Name);
        Assert.True(started.ExitCode == 0, started.ToString());

        Assert.Equal(before, await _vch.OkAsync(query));
    }

    [Fact]
    public async Task Delete_refuses_while_containers_run_unless_forced()
    {
        string id = await _vch.OkAsync("run", "-d", "busybox", "sleep", "1000");
        var refused = await _vch.MachineAsync("delete", "--name", _vch.Name);
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("running container", refused.Stderr);
        Assert.True(Directory.Exists(_vch.Directory));

        var forced = await _vch.MachineAsync("delete", "--name", _vch.Name, "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.False(Directory.Exists(_vch.Directory));
        Assert.Equal("", (await Shell.RunAsync("pgrep", ["-f", id])).Stdout.Trim());
    }

    [Fact]
    public async Task Two_vchs_on_one_host_do_not_see_each_others_containers()
    {
        var other = new VchFixture();
        await other.InitializeAsync();
        try
        {
            string mine = await _vch.OkAsync("create", "--name", "only-here", "busybox", "true");
            Assert.Equal("", await other.OkAsync("ps", "-aq"));
            Assert.Equal(mine[..12], await _vch.OkAsync("ps", "-aq"));
            var ls = await _vch.MachineAsync("ls");
            Assert.Contains(_vch.Name, ls.Stdout);
        }
        finally
        {
            await other.DisposeAsync();
        }
    }
}
