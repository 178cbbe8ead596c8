using Vic.Engine.Health;
using Vic.Engine.Images;
using Vic.Engine.Mapping;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

public sealed class HealthRulesTests
{
    private const long Ms = 1_000_000, S = 1_000_000_000;

    [Theory]
    [InlineData(-10 * Ms, S, 0, 0, 0, "Interval in Healthcheck cannot be less than 1ms")]
    [InlineData(Ms / 2, S, 0, 0, 0, "Interval in Healthcheck cannot be less than 1ms")]
    [InlineData(S, -100 * Ms, 0, 0, 0, "Timeout in Healthcheck cannot be less than 1ms")]
    [InlineData(S, S, -10, 0, 0, "Retries in Healthcheck cannot be negative")]
    [InlineData(S, S, 0, Ms / 2, 0, "StartPeriod in Healthcheck cannot be less than 1ms")]
    [InlineData(S, S, 0, 0, -1, "StartInterval in Healthcheck cannot be less than 1ms")]
    public void Bad_durations_and_retries_are_refused_with_dockerds_words(long interval, long timeout, int retries, long startPeriod, long startInterval, string message)
    {
        var config = new HealthConfig { Interval = interval, Timeout = timeout, Retries = retries, StartPeriod = startPeriod, StartInterval = startInterval };
        var e = Assert.Throws<InvalidArgumentException>(() => HealthRules.Validate(config));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Unset_and_minimal_values_are_accepted()
    {
        HealthRules.Validate(null);
        HealthRules.Validate(new HealthConfig());
        HealthRules.Validate(new HealthConfig { Interval = Ms, Timeout = Ms, StartPeriod = Ms, StartInterval = Ms, Retries = 0 });
    }

    [Fact]
    public void The_image_check_fills_what_the_container_leaves_unset()
    {
        var image = new HealthConfig { Test = ["CMD", "probe"], Interval = 5 * S, Timeout = 2 * S, StartPeriod = S, StartInterval = S, Retries = 4 };
        Assert.Same(image, HealthRules.Merge(null, image));
        var user = new HealthConfig { Interval = 9 * S, Retries = 1 };
        var merged = HealthRules.Merge(user, image)!;
        Assert.Equal(["CMD", "probe"], merged.Test);
        Assert.Equal(9 * S, merged.Interval);
        Assert.Equal(2 * S, merged.Timeout);
        Assert.Equal(S, merged.StartPeriod);
        Assert.Equal(1, merged.Retries);
        // --no-healthcheck wins over the image's check.
        Assert.Equal(["NONE"], HealthRules.Merge(new HealthConfig { Test = ["NONE"] }, image)!.Test);
        Assert.Same(user, HealthRules.Merge(user, null));
    }

    [Fact]
    public void Cmd_runs_argv_cmd_shell_runs_the_shell_and_none_runs_nothing()
    {
        Assert.Equal(["curl", "-f", "x"], HealthRules.ProbeCommand(new HealthConfig { Test = ["CMD", "curl", "-f", "x"] }, null));
        Assert.Equal(["/bin/sh", "-c", "exit 0"], HealthRules.ProbeCommand(new HealthConfig { Test = ["CMD-SHELL", "exit 0"] }, null));
        Assert.Equal(["/bin/ash", "-ec", "exit 0"], HealthRules.ProbeCommand(new HealthConfig { Test = ["CMD-SHELL", "exit 0"] }, ["/bin/ash", "-ec"]));
        Assert.Null(HealthRules.ProbeCommand(new HealthConfig { Test = ["NONE"] }, null));
        Assert.Null(HealthRules.ProbeCommand(new HealthConfig { Test = ["BOGUS", "x"] }, null));
        Assert.Null(HealthRules.ProbeCommand(new HealthConfig { Interval = S }, null));
        Assert.Null(HealthRules.ProbeCommand(null, null));
    }

    [Fact]
    public void Waits_follow_the_interval_and_the_start_period()
    {
        var started = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var plain = new HealthConfig { Test = ["CMD", "x"] };
        Assert.Equal(TimeSpan.FromSeconds(30), HealthRules.NextDelay(plain, HealthStatus.Starting, started, started));
        var withPeriod = new HealthConfig { Test = ["CMD", "x"], Interval = 30 * S, StartPeriod = 60 * S, StartInterval = 2 * S };
        // Still starting within the period: the start interval.
        Assert.Equal(TimeSpan.FromSeconds(2), HealthRules.NextDelay(withPeriod, HealthStatus.Starting, started, started.AddSeconds(10)));
        // Healthy within the period: the interval, but not past the period's end.
        Assert.Equal(TimeSpan.FromSeconds(30), HealthRules.NextDelay(withPeriod, HealthStatus.Healthy, started, started.AddSeconds(10)));
        Assert.Equal(TimeSpan.FromSeconds(5), HealthRules.NextDelay(withPeriod, HealthStatus.Healthy, started, started.AddSeconds(55)));
        Assert.Equal(TimeSpan.FromSeconds(30), HealthRules.NextDelay(withPeriod, HealthStatus.Starting, started, started.AddSeconds(61)));
    }

    [Fact]
    public void A_success_makes_healthy_and_retries_failures_make_unhealthy()
    {
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var state = new HealthState();
        state.BeginRun(start);
        Assert.Equal(("starting", "starting"), state.Record(Result(start.AddSeconds(1), 1), 2, TimeSpan.Zero, start));
        Assert.Equal(("starting", "unhealthy"), state.Record(Result(start.AddSeconds(2), 1), 2, TimeSpan.Zero, start));
        Assert.Equal(2, state.ToWire().FailingStreak);
        Assert.Equal(("unhealthy", "healthy"), state.Record(Result(start.AddSeconds(3), 0), 2, TimeSpan.Zero, start));
        Assert.Equal(0, state.ToWire().FailingStreak);
        Assert.Equal(("healthy", "healthy"), state.Record(Result(start.AddSeconds(4), 1), 2, TimeSpan.Zero, start));
        Assert.Equal(1, state.ToWire().FailingStreak);
    }

    [Fact]
    public void Failures_within_the_start_period_do_not_count_until_the_first_success()
    {
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var period = TimeSpan.FromSeconds(10);
        var state = new HealthState();
        state.BeginRun(start);
        for (int i = 1; i <= 5; i++)
            state.Record(Result(start.AddSeconds(i), 1), 1, period, start);
        Assert.Equal("starting", state.Status);
        Assert.Equal(0, state.ToWire().FailingStreak);
        state.Record(Result(start.AddSeconds(6), 0), 1, period, start);
        // Healthy once: a failure counts even within the period.
        Assert.Equal(("healthy", "unhealthy"), state.Record(Result(start.AddSeconds(7), 1), 1, period, start));
        // After the period, a starting container's failures count.
        state.BeginRun(start);
        Assert.Equal(("starting", "unhealthy"), state.Record(Result(start.AddSeconds(11), 1), 1, period, start));
    }

    [Fact]
    public void The_log_keeps_the_last_five_results_and_survives_a_new_run()
    {
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var state = new HealthState();
        state.BeginRun(start);
        for (int i = 1; i <= 7; i++)
            state.Record(Result(start.AddSeconds(i), 0, "run " + i), 3, TimeSpan.Zero, start);
        var log = state.ToWire().Log;
        Assert.Equal(["run 3", "run 4", "run 5", "run 6", "run 7"], log.Select(r => r.Output));
        Assert.Equal("2024-01-01T00:00:07Z", log[^1].Start);
        state.MonitorStopped();
        Assert.Equal("unhealthy", state.Status);
        state.BeginRun(start.AddMinutes(1));
        Assert.Equal("starting", state.Status);
        Assert.Equal(5, state.ToWire().Log.Count);
        var restored = HealthState.FromStored(state.ToStored());
        Assert.Equal(state.ToWire().Log, restored.ToWire().Log);
        Assert.Equal(start.AddMinutes(1), restored.RunStartedAt);
    }

    [Fact]
    public void Ps_status_text_shows_the_health()
    {
        var now = new DateTimeOffset(2024, 1, 1, 0, 0, 10, TimeSpan.Zero);
        var running = new ContainerStatus { State = ContainerRunState.Running, StartedAt = now.AddSeconds(-3) };
        Assert.Equal("Up 3 seconds (healthy)", StatusText.For(running, now, "healthy"));
        Assert.Equal("Up 3 seconds (health: starting)", StatusText.For(running, now, "starting"));
        Assert.Equal("Up 3 seconds (unhealthy)", StatusText.For(running, now, "unhealthy"));
        Assert.Equal("Up 3 seconds", StatusText.For(running, now));
        Assert.Equal("Up 3 seconds (Paused)", StatusText.For(running with { State = ContainerRunState.Paused }, now, "unhealthy"));
    }

    [Theory]
    [InlineData(30_000_000_000L, "30s")]
    [InlineData(60_000_000_000L, "1m0s")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(500_000_000L, "500ms")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(2_000L, "2µs")]
    [InlineData(7_384_000_000_000L, "2h3m4s")]
    public void Durations_print_as_go_prints_them(long nanoseconds, string text)
    {
        Assert.Equal(text, GoDuration.Format(nanoseconds));
        Assert.Equal(nanoseconds, GoDuration.Parse(text));
    }

    [Fact]
    public void Healthcheck_change_instruction_sets_the_image_check()
    {
        var config = ChangeInstructions.Apply(new ImageConfig(), ["HEALTHCHECK --interval=2s --retries=4 --start-period=1m CMD wget -q -O- localhost || exit 1"]);
        var check = config.Healthcheck!;
        Assert.Equal(["CMD-SHELL", "wget -q -O- localhost || exit 1"], check.Test);
        Assert.Equal(2 * S, check.Interval);
        Assert.Equal(60 * S, check.StartPeriod);
        Assert.Equal(0, check.Timeout);
        Assert.Equal(4, check.Retries);
        Assert.Equal(["CMD", "true"], ChangeInstructions.Apply(new ImageConfig(), ["HEALTHCHECK CMD [\"true\"]"]).Healthcheck!.Test);
        Assert.Equal(["NONE"], ChangeInstructions.Apply(config, ["healthcheck none"]).Healthcheck!.Test);
    }

    [Theory]
    [InlineData("HEALTHCHECK", "HEALTHCHECK requires at least one argument")]
    [InlineData("HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments")]
    [InlineData("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD")]
    [InlineData("HEALTHCHECK RUN x", "Unknown type \"RUN\" in HEALTHCHECK (try CMD)")]
    [InlineData("HEALTHCHECK --interval=1us CMD x", "Interval \"interval\" cannot be less than 1ms")]
    [InlineData("HEALTHCHECK --interval=soon CMD x", "time: invalid duration \"soon\"")]
    [InlineData("HEALTHCHECK --retries=-1 CMD x", "--retries cannot be negative (-1)")]
    [InlineData("HEALTHCHECK --every=1s CMD x", "Unknown flag: every")]
    public void Bad_healthcheck_instructions_are_refused(string change, string message)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => ChangeInstructions.Apply(new ImageConfig(), [change]));
        Assert.Equal(message, e.Message);
    }

    private static ProbeResult Result(DateTimeOffset start, int exitCode, string output = "") => new(start, start.AddMilliseconds(100), exitCode, output);
}
