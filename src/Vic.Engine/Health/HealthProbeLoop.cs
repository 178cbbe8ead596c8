using Vic.Engine.Models;

namespace Vic.Engine.Health;

/// <summary>
/// Probes one running container until stopped (dockerd's monitor): wait, probe, apply the result, and again. The
/// wait runs from the end of one probe to the start of the next. A result that arrives after the stop is dropped.
/// </summary>
internal sealed class HealthProbeLoop
{
    private readonly string _containerId;
    private readonly ContainerConfig _config;
    private readonly HealthConfig _health;
    private readonly IReadOnlyList<string> _command;
    private readonly HealthState _state;
    private readonly DateTimeOffset _runStartedAt;
    private readonly IHealthProbe _probe;
    private readonly IProbeClock _clock;
    private readonly Func<string, string, Task> _recorded;
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    /// <param name="recorded">Called after each applied result with the status before and after (persist, events).</param>
    public HealthProbeLoop(string containerId, ContainerConfig config, IReadOnlyList<string> command, HealthState state,
        DateTimeOffset runStartedAt, IHealthProbe probe, IProbeClock clock, Func<string, string, Task> recorded)
    {
        _containerId = containerId;
        _config = config;
        _health = config.Healthcheck ?? new HealthConfig();
        _command = command;
        _state = state;
        _runStartedAt = runStartedAt;
        _probe = probe;
        _clock = clock;
        _recorded = recorded;
    }

    public DateTimeOffset RunStartedAt => _runStartedAt;

    public void Start() => _running = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);

    /// <summary>Stops probing; returns once no probe runs and no result will be applied any more.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
            // The expected way out of a wait.
        }
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        int retries = HealthRules.Retries(_health);
        var startPeriod = HealthRules.StartPeriod(_health);
        while (true)
        {
            await _clock.DelayAsync(HealthRules.NextDelay(_health, _state.Status, _runStartedAt, _clock.UtcNow), cancellationToken);
            var start = _clock.UtcNow;
            ProbeResult result;
            try
            {
                result = await _probe.RunAsync(_containerId, _config, _command, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // dockerd counts a probe that could not be run as a failed one, with the error as its output.
                result = new ProbeResult(start, _clock.UtcNow, -1, e.Message);
            }
            cancellationToken.ThrowIfCancellationRequested();
            var (before, after) = _state.Record(result, retries, startPeriod, _runStartedAt);
            await _recorded(before, after);
        }
    }
}
