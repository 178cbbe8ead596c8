using Microsoft.Extensions.Logging.Abstractions;
using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.Engine.Health;
using Vic.Engine.Models;
using Vic.Engine.Tests.Fakes;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

/// <summary>The monitor over the fake port layer, with a hand-driven clock and probe: every step is chosen by the test.</summary>
public sealed class HealthMonitorTests : IAsyncLifetime
{
    private const long S = 1_000_000_000;
    private readonly FakeBackend _backend = new();
    private readonly PortLayerServices _services;
    private readonly ManualProbeClock _clock = new();
    private readonly ScriptedProbe _probe;
    private readonly HealthStates _states = new();
    private readonly HealthStore _store;
    private readonly EventBroker _events;
    private EventBroker.Subscription _subscription = null!;
    private HealthMonitor _monitor = null!;

    public HealthMonitorTests()
    {
        _services = _backend.Services;
        _probe = new ScriptedProbe(_clock);
        _store = new HealthStore(_services.Metadata);
        _events = new EventBroker(_services, new EventJournal(null, 1000, Microsoft.Extensions.Logging.Abstractions.NullLogger<EventJournal>.Instance),
            new Vic.Engine.Networks.NetworkService(_services, new EngineOptions { UnixSocketPath = "" }, TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Vic.Engine.Networks.NetworkService>.Instance));
    }

    public async Task InitializeAsync()
    {
        await _events.StartAsync(CancellationToken.None);
        _subscription = _events.Subscribe();
        _monitor = NewMonitor(_states);
        await _monitor.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _monitor.StopAsync(CancellationToken.None);
        _subscription.Dispose();
        await _events.StopAsync(CancellationToken.None);
    }

    private HealthMonitor NewMonitor(HealthStates states) =>
        new(_services, states, _store, _probe, _clock, _events, NullLogger<HealthMonitor>.Instance);

    private async Task<string> CreateAsync(HealthConfig? health, string name = "c1")
    {
        string id = ContainerIds.New();
        var config = new ContainerConfig { Image = "busybox", Cmd = ["sleep"], Healthcheck = health, User = "app", WorkingDir = "/srv" };
        await _backend.CreateAsync(new ContainerSpec
        {
            Id = id,
            Name = name,
            ImageLayerId = "layer",
            Process = new ProcessConfig { Args = ["sleep"] },
            Annotations = DockerAnnotations.Encode(config, new HostConfig(), FakeImageService.BusyboxId),
        }, CancellationToken.None);
        return id;
    }

    private async Task<string> StartedAsync(HealthConfig? health)
    {
        string id = await CreateAsync(health);
        await _backend.StartAsync(id, CancellationToken.None);
        await _monitor.DrainAsync();
        return id;
    }

    /// <summary>Lets the next wait pass and answers the probe that follows.</summary>
    private async Task ProbeAsync(int exitCode, string output = "")
    {
        (await _clock.NextAsync()).Fire();
        var run = await _probe.NextAsync();
        run.Complete(exitCode, output);
    }

    private async Task<List<string>> HealthEventsAsync(int count)
    {
        var actions = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (actions.Count < count)
        {
            var message = await _subscription.Reader.ReadAsync(timeout.Token);
            if (message.Action.StartsWith("health_status", StringComparison.Ordinal))
                actions.Add(message.Action);
        }
        return actions;
    }

    [Fact]
    public async Task A_started_container_is_probed_at_its_interval_and_turns_healthy_then_unhealthy()
    {
        string id = await StartedAsync(new HealthConfig { Test = ["CMD-SHELL", "check"], Interval = 2 * S, Retries = 2 });
        Assert.Equal("starting", _states.Snapshot(id)!.Status);

        var wait = await _clock.NextAsync();
        Assert.Equal(TimeSpan.FromSeconds(2), wait.Delay);
        wait.Fire();
        var run = await _probe.NextAsync();
        Assert.Equal(["/bin/sh", "-c", "check"], run.Command);
        run.Complete(0, "fine\n");
        await ProbeAsync(1, "bad 1");
        await ProbeAsync(1, "bad 2");
        Assert.Equal(["health_status: healthy", "health_status: unhealthy"], await HealthEventsAsync(2));

        var health = _states.Snapshot(id)!;
        Assert.Equal("unhealthy", health.Status);
        Assert.Equal(2, health.FailingStreak);
        Assert.Equal(["fine\n", "bad 1", "bad 2"], health.Log.Select(r => r.Output));
        Assert.Equal([0, 1, 1], health.Log.Select(r => r.ExitCode));
    }

    [Fact]
    public async Task Stopping_ends_probing_and_reads_unhealthy_and_a_new_start_begins_again()
    {
        string id = await StartedAsync(new HealthConfig { Test = ["CMD", "check"], Interval = S });
        await ProbeAsync(0);
        await HealthEventsAsync(1);
        Assert.Equal("healthy", _states.Snapshot(id)!.Status);

        // The fake raises its exit after the stop returns: wait for the monitor to have seen it.
        await _backend.StopAsync(id, null, CancellationToken.None);
        await EngineServer.EventuallyAsync(() => _states.Snapshot(id)!.Status == "unhealthy", "the stop to be handled");
        await _monitor.DrainAsync();

        await _backend.StartAsync(id, CancellationToken.None);
        await _monitor.DrainAsync();
        var again = _states.Snapshot(id)!;
        Assert.Equal("starting", again.Status);
        Assert.Equal(0, again.FailingStreak);
        Assert.Single(again.Log); // the log is kept across runs, as dockerd keeps it
    }

    [Fact]
    public async Task A_probe_in_flight_when_the_container_pauses_is_dropped_and_unpause_resumes()
    {
        string id = await StartedAsync(new HealthConfig { Test = ["CMD", "check"], Interval = S, Retries = 1 });
        await ProbeAsync(0);
        await HealthEventsAsync(1);
        (await _clock.NextAsync()).Fire();
        var inFlight = await _probe.NextAsync();

        await _backend.PauseAsync(id, CancellationToken.None);
        await _monitor.DrainAsync();
        Assert.True(inFlight.Task.IsCanceled);
        var paused = _states.Snapshot(id)!;
        Assert.Equal("unhealthy", paused.Status);
        Assert.Single(paused.Log);

        await _backend.UnpauseAsync(id, CancellationToken.None);
        await _monitor.DrainAsync();
        Assert.Equal("unhealthy", _states.Snapshot(id)!.Status); // resumed, not restarted
        await ProbeAsync(0);
        Assert.Equal(["health_status: healthy"], await HealthEventsAsync(1));
    }

    [Fact]
    public async Task Health_is_kept_on_the_datastore_and_resumed_by_the_next_vch_start()
    {
        string id = await StartedAsync(new HealthConfig { Test = ["CMD", "check"], Interval = S, Retries = 1 });
        await ProbeAsync(1, "down");
        await HealthEventsAsync(1);

        // The VCH stops (the container runs on) and starts again with nothing in memory.
        await _monitor.StopAsync(CancellationToken.None);
        var fresh = new HealthStates();
        _monitor = NewMonitor(fresh);
        await _monitor.StartAsync(CancellationToken.None);
        await _monitor.DrainAsync();

        var adopted = fresh.Snapshot(id)!;
        Assert.Equal("unhealthy", adopted.Status);
        Assert.Equal(1, adopted.FailingStreak);
        Assert.Equal("down", Assert.Single(adopted.Log).Output);
        await ProbeAsync(0); // probing resumed
        Assert.Equal(["health_status: healthy"], await HealthEventsAsync(1));
    }

    [Fact]
    public async Task No_check_and_none_are_never_probed_and_removal_forgets_the_health()
    {
        string plain = await StartedAsync(null);
        string disabled = await CreateAsync(new HealthConfig { Test = ["NONE"] }, "c2");
        await _backend.StartAsync(disabled, CancellationToken.None);
        string probed = await CreateAsync(new HealthConfig { Test = ["CMD", "check"] }, "c3");
        await _backend.StartAsync(probed, CancellationToken.None);
        await _monitor.DrainAsync();
        Assert.Null(_states.Snapshot(plain));
        Assert.Null(_states.Snapshot(disabled));
        Assert.Equal(TimeSpan.FromSeconds(30), (await _clock.NextAsync()).Delay); // only c3's default interval

        await _backend.RemoveAsync(probed, force: true, CancellationToken.None);
        await _monitor.DrainAsync();
        Assert.Null(_states.Snapshot(probed));
        Assert.Null(await _services.Metadata.GetAsync("health/" + probed, CancellationToken.None));
    }
}
