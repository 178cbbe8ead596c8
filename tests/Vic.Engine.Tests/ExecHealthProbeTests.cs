using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.Engine.Health;
using Vic.Engine.Models;
using Vic.Engine.Tests.Fakes;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

/// <summary>The real probe (an exec through the port layer) against the fake backend's scripted exec processes.</summary>
public sealed class ExecHealthProbeTests : IAsyncLifetime
{
    private readonly FakeBackend _backend = new();
    private readonly PortLayerServices _services;
    private readonly ManualProbeClock _clock = new();
    private readonly EventBroker _events;
    private EventBroker.Subscription _subscription = null!;
    private string _id = "";

    public ExecHealthProbeTests()
    {
        _services = _backend.Services;
        _events = new EventBroker(_services, new EventJournal(null, 1000, Microsoft.Extensions.Logging.Abstractions.NullLogger<EventJournal>.Instance),
            new Vic.Engine.Networks.NetworkService(_services, new EngineOptions { UnixSocketPath = "" }, TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Vic.Engine.Networks.NetworkService>.Instance));
    }

    public async Task InitializeAsync()
    {
        await _events.StartAsync(CancellationToken.None);
        _subscription = _events.Subscribe();
        _id = ContainerIds.New();
        var config = new ContainerConfig { Image = "busybox", Cmd = ["sleep"] };
        await _backend.CreateAsync(new ContainerSpec
        {
            Id = _id,
            Name = "probed",
            ImageLayerId = "layer",
            Process = new ProcessConfig { Args = ["sleep"] },
            Annotations = DockerAnnotations.Encode(config, new HostConfig(), FakeImageService.BusyboxId),
        }, CancellationToken.None);
        await _backend.StartAsync(_id, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _subscription.Dispose();
        await _events.StopAsync(CancellationToken.None);
    }

    private static ContainerConfig Config(long timeout = 0) => new()
    {
        Image = "busybox",
        User = "app",
        WorkingDir = "/srv",
        Healthcheck = new HealthConfig { Test = ["CMD", "x"], Timeout = timeout },
    };

    /// <summary>The next <paramref name="count"/> exec events (the container's own create and start are skipped).</summary>
    private async Task<List<string>> ExecActionsAsync(int count)
    {
        var actions = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (actions.Count < count)
        {
            string action = (await _subscription.Reader.ReadAsync(timeout.Token)).Action;
            if (action.StartsWith("exec_", StringComparison.Ordinal))
                actions.Add(action);
        }
        return actions;
    }

    [Fact]
    public async Task A_probe_is_an_exec_with_the_containers_user_and_directory_and_its_output()
    {
        var probe = new ExecHealthProbe(_services, _events, _clock);
        var result = await probe.RunAsync(_id, Config(), ["both"], CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("to-stdout\nto-stderr\n", result.Output);
        var spec = Assert.Single(_backend.ExecStarts);
        Assert.Equal(("app", "/srv", false), (spec.User, spec.WorkingDir, spec.Tty));
        // The probe's three exec events, in dockerd's words ("both " with the trailing space).
        Assert.Equal(["exec_create: both ", "exec_start: both ", "exec_die"], await ExecActionsAsync(3));
    }

    [Fact]
    public async Task A_failing_exit_code_and_a_command_that_cannot_start_are_failures()
    {
        var probe = new ExecHealthProbe(_services, _events, _clock);
        Assert.Equal(3, (await probe.RunAsync(_id, Config(), ["fail", "3"], CancellationToken.None)).ExitCode);
        var missing = await probe.RunAsync(_id, Config(), ["nosuchprobe"], CancellationToken.None);
        Assert.Equal(-1, missing.ExitCode);
        Assert.Equal("OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuchprobe\": executable file not found in $PATH: unknown", missing.Output);
    }

    [Fact]
    public async Task Output_past_4096_bytes_is_cut_and_marked()
    {
        var probe = new ExecHealthProbe(_services, _events, _clock);
        var result = await probe.RunAsync(_id, Config(), ["echo", new string('x', 5000)], CancellationToken.None);
        Assert.Equal(new string('x', 4096) + "...", result.Output);
    }

    [Fact]
    public async Task A_probe_past_its_timeout_is_killed_and_reported_as_dockerd_reports_it()
    {
        var probe = new ExecHealthProbe(_services, _events, _clock);
        var running = probe.RunAsync(_id, Config(timeout: 1_500_000_000), ["sleep"], CancellationToken.None);
        var timer = await _clock.NextAsync();
        Assert.Equal(TimeSpan.FromSeconds(1.5), timer.Delay);
        timer.Fire();
        var result = await running;
        Assert.Equal(-1, result.ExitCode);
        Assert.Equal("Health check exceeded timeout (1.5s)", result.Output);
        Assert.Equal(["exec_create: sleep ", "exec_start: sleep ", "exec_die"], await ExecActionsAsync(3));
    }

    [Fact]
    public async Task A_probe_of_a_container_that_is_not_running_fails_with_the_reason()
    {
        await _backend.StopAsync(_id, null, CancellationToken.None);
        var probe = new ExecHealthProbe(_services, _events, _clock);
        var result = await probe.RunAsync(_id, Config(), ["echo"], CancellationToken.None);
        Assert.Equal(-1, result.ExitCode);
        Assert.Equal($"Container {_id} is not running", result.Output);
    }
}
