using System.Diagnostics;
using System.Text.Json;

namespace Vic.Engine.Tests;

/// <summary>Runs only where the docker CLI is installed; reported as skipped (not passed) elsewhere.</summary>
public sealed class DockerCliFactAttribute : FactAttribute
{
    public const string Cli = "/usr/local/bin/docker";

    public DockerCliFactAttribute()
    {
        if (!File.Exists(Cli))
            Skip = $"the docker CLI is not installed at {Cli}";
    }
}

/// <summary>
/// The real docker CLI against the fake-backed server: proves the CLI parses our JSON and drives the hijacked
/// attach, wait and start the way `docker run` does. (End-to-end tests with real VMs are the lead's.)
/// </summary>
public sealed class DockerCliTests : IAsyncLifetime
{
    private EngineServer _server = null!;
    private string _config = "";

    public async Task InitializeAsync()
    {
        _server = await EngineServer.StartAsync();
        _config = Directory.CreateTempSubdirectory("vic-docker-config-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_config, recursive: true);
    }

    private async Task<(int Exit, string Stdout, string Stderr)> DockerAsync(string args, string? stdin = null)
    {
        var start = new ProcessStartInfo(DockerCliFactAttribute.Cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var arg in new[] { "-H", "unix://" + _server.SocketPath }.Concat(SplitArgs(args)))
            start.ArgumentList.Add(arg);
        start.Environment["DOCKER_CONFIG"] = _config;
        start.Environment["DOCKER_CLI_HINTS"] = "false";
        start.Environment.Remove("DOCKER_HOST");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"docker {args} did not finish: {await stdout} {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static IEnumerable<string> SplitArgs(string args)
    {
        // Single quotes group words, enough for --format templates.
        var parts = args.Split('\'');
        for (int i = 0; i < parts.Length; i++)
        {
            if (i % 2 == 1)
                yield return parts[i];
            else
                foreach (var word in parts[i].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    yield return word;
        }
    }

    [DockerCliFact]
    public async Task Stats_no_stream_shows_cpu_percent_and_memory_usage_over_limit()
    {
        var run = await DockerAsync("run -d --name busy -m 256m busybox sleep");
        Assert.True(run.Exit == 0, run.Stderr);
        var stats = await DockerAsync("stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.BlockIO}} {{.NetIO}}' busy");
        Assert.True(stats.Exit == 0, stats.Stderr);
        // The fake's VM used half a CPU-second per host second on a 4-CPU host: 0.5 / 4 × 4 CPUs = 50 %.
        Assert.Equal("busy 50.00% 100MiB / 256MiB 4.1kB / 512B 1kB / 2kB\n", stats.Stdout);
    }

    [DockerCliFact]
    public async Task Update_prune_and_wait_conditions_through_the_cli()
    {
        var run = await DockerAsync("run -d -m 400m --name upd busybox sleep");
        Assert.True(run.Exit == 0, run.Stderr);
        var update = await DockerAsync("update --restart on-failure:2 upd");
        Assert.Equal((0, "upd\n"), (update.Exit, update.Stdout));
        var policy = await DockerAsync("inspect --format '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' upd");
        Assert.Equal("on-failure:2\n", policy.Stdout);
        var lower = await DockerAsync("update -m 300m upd");
        Assert.True(lower.Exit == 0, lower.Stderr);
        Assert.Equal("314572800\n", (await DockerAsync("inspect --format '{{.HostConfig.Memory}}' upd")).Stdout);
        var raise = await DockerAsync("update -m 1g upd");
        Assert.NotEqual(0, raise.Exit);
        Assert.Contains("can be lowered but not raised above the 419430400 bytes it started with", raise.Stderr);
        var cpus = await DockerAsync("update --cpus 1 upd");
        Assert.NotEqual(0, cpus.Exit);
        Assert.Contains("the CPUs of a running containerVM cannot be changed", cpus.Stderr);

        // The CLI's wait has no --condition (docker run uses next-exit and removed over the API; see the wait tests).
        var wait = DockerAsync("wait upd");
        await Task.Delay(300);
        Assert.Equal(0, (await DockerAsync("stop -t 0 upd")).Exit);
        Assert.Equal((0, "143\n"), ((await wait).Exit, (await wait).Stdout));

        var prune = await DockerAsync("container prune -f");
        Assert.True(prune.Exit == 0, prune.Stderr);
        Assert.Contains("Deleted Containers:", prune.Stdout);
        Assert.Contains(run.Stdout.Trim(), prune.Stdout);
        Assert.Empty(_server.Backend.All);
    }

    [DockerCliFact]
    public async Task Version_info_and_images_parse()
    {
        var version = await DockerAsync("version");
        Assert.True(version.Exit == 0, version.Stderr);
        Assert.Contains("1.44 (minimum version 1.24)", version.Stdout);
        Assert.Contains("6.1.0-fake", version.Stdout + (await DockerAsync("version --format '{{.Server.KernelVersion}}'")).Stdout);

        var info = await DockerAsync("info --format '{{.Driver}} {{.NCPU}} {{json .DriverStatus}}'");
        Assert.True(info.Exit == 0, info.Stderr);
        Assert.Contains("vic 4 [[\"Backend\",\"fake\"],[\"Accelerator\",\"none\"]", info.Stdout);

        var images = await DockerAsync("images --format '{{.Repository}}:{{.Tag}} {{.ID}}'");
        Assert.True(images.Exit == 0, images.Stderr);
        Assert.Contains("busybox:latest 111111111111", images.Stdout);
        Assert.Contains("127.0.0.1:5000/busybox:latest 111111111111", images.Stdout);
    }

    [DockerCliFact]
    public async Task Run_rm_prints_output_and_removes_the_container()
    {
        var run = await DockerAsync("run --rm busybox echo hello from vic");
        Assert.Equal((0, "hello from vic\n"), (run.Exit, run.Stdout));
        await EngineServer.EventuallyAsync(() => _server.Backend.All.Count == 0, "--rm removal");

        var tty = await DockerAsync("run -t --rm busybox both");
        Assert.Equal((0, "to-stdout\nto-stderr\n"), (tty.Exit, tty.Stdout)); // one raw stream with a TTY
    }

    [DockerCliFact]
    public async Task Run_exit_codes_follow_the_container_and_launch_failures()
    {
        var failing = await DockerAsync("run busybox fail 3");
        Assert.True(failing.Exit == 3, failing.Stderr);
        Assert.Equal("failing\n", failing.Stderr);

        var missing = await DockerAsync("run busybox nosuchcmd");
        Assert.Equal(127, missing.Exit);
        Assert.Contains("exec: \"nosuchcmd\": executable file not found in $PATH", missing.Stderr);

        var denied = await DockerAsync("run busybox noperm");
        Assert.Equal(126, denied.Exit);
    }

    [DockerCliFact]
    public async Task Run_interactive_pipes_stdin_through_the_hijacked_connection()
    {
        var cat = await DockerAsync("run -i --rm busybox cat", stdin: "line one\nline two\n");
        Assert.Equal((0, "line one\nline two\n"), (cat.Exit, cat.Stdout));
    }

    [DockerCliFact]
    public async Task Detached_container_ps_inspect_logs_stop_rm()
    {
        var run = await DockerAsync("run -d --name bg -m 64m --label tier=web busybox sleep");
        Assert.True(run.Exit == 0, run.Stderr);
        string id = run.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        _server.Backend.AddOutput(id, Vic.PortLayer.OutputStream.Stdout, "logged line\n");

        var ps = await DockerAsync("ps --format '{{.Names}}|{{.Status}}|{{.Image}}|{{.Command}}|{{.Label \"tier\"}}'");
        Assert.Matches(@"^bg\|Up (Less than a second|\d+ seconds?)\|busybox\|""sleep""\|web\n$", ps.Stdout);

        var inspect = await DockerAsync("inspect --format '{{.State.Status}} {{.HostConfig.Memory}} {{.Config.Hostname}}' bg");
        Assert.Equal($"running 67108864 {id[..12]}\n", inspect.Stdout);
        var full = await DockerAsync("inspect bg");
        Assert.Equal(id, JsonDocument.Parse(full.Stdout).RootElement[0].GetProperty("Id").GetString());

        var logs = await DockerAsync("logs bg");
        Assert.Equal("logged line\n", logs.Stdout);

        var rmRunning = await DockerAsync("rm bg");
        Assert.NotEqual(0, rmRunning.Exit);
        Assert.Contains("container is running: stop the container before removing or force remove", rmRunning.Stderr);

        Assert.Equal(0, (await DockerAsync("stop -t 1 bg")).Exit);
        var exited = await DockerAsync("ps -a --format '{{.Status}}'");
        Assert.StartsWith("Exited (143)", exited.Stdout);
        Assert.Equal(0, (await DockerAsync("rm bg")).Exit);
        Assert.Empty(_server.Backend.All);
    }

    [DockerCliFact]
    public async Task Run_of_a_missing_image_pulls_it_first()
    {
        var run = await DockerAsync("run --rm newimage echo pulled");
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Contains("Unable to find image 'newimage:latest' locally", run.Stderr);
        Assert.EndsWith("pulled\n", run.Stdout);

        var pull = await DockerAsync("pull nosuchrepo");
        Assert.NotEqual(0, pull.Exit);
        Assert.Contains("pull access denied for nosuchrepo", pull.Stderr);
    }
}
