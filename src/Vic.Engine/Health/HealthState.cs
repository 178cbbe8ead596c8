using Vic.Engine.Mapping;
using Vic.Engine.Models;

namespace Vic.Engine.Health;

/// <summary>
/// One container's health as dockerd keeps it: status, failing streak and the last five probe results, plus the
/// start of the run they belong to (so a VCH restart can tell a run it resumes from a new one). Thread-safe.
/// </summary>
internal sealed class HealthState
{
    public const int MaxLogEntries = 5;

    private readonly Lock _lock = new();
    private string _status;
    private int _failingStreak;
    private readonly List<ProbeResult> _log;

    public HealthState(string status = HealthStatus.Starting, int failingStreak = 0, IEnumerable<ProbeResult>? log = null, DateTimeOffset? runStartedAt = null)
    {
        _status = status;
        _failingStreak = failingStreak;
        _log = [.. (log ?? []).TakeLast(MaxLogEntries)];
        RunStartedAt = runStartedAt;
    }

    public DateTimeOffset? RunStartedAt { get; private set; }

    public string Status
    {
        get
        {
            lock (_lock)
                return _status;
        }
    }

    /// <summary>A new run of the container: starting again with no failures; the log is kept (as dockerd keeps it).</summary>
    public void BeginRun(DateTimeOffset? startedAt)
    {
        lock (_lock)
        {
            _status = HealthStatus.Starting;
            _failingStreak = 0;
            RunStartedAt = startedAt;
        }
    }

    /// <summary>Probing stopped (the container stopped or paused): dockerd reports unhealthy from then on, without an event.</summary>
    public void MonitorStopped()
    {
        lock (_lock)
            _status = HealthStatus.Unhealthy;
    }

    /// <summary>
    /// Applies one probe result (dockerd's handleProbeResult) and returns the status before and after. Success makes
    /// the container healthy; a failure counts towards <paramref name="retries"/> unless it began within the start
    /// period while the container had not yet been healthy.
    /// </summary>
    public (string Before, string After) Record(ProbeResult result, int retries, TimeSpan startPeriod, DateTimeOffset runStartedAt)
    {
        lock (_lock)
        {
            string before = _status;
            _log.Add(result);
            if (_log.Count > MaxLogEntries)
                _log.RemoveRange(0, _log.Count - MaxLogEntries);
            if (result.ExitCode == 0)
            {
                _failingStreak = 0;
                _status = HealthStatus.Healthy;
            }
            else if (!(_status == HealthStatus.Starting && startPeriod > TimeSpan.Zero && result.Start - runStartedAt < startPeriod))
            {
                _failingStreak++;
                if (_failingStreak >= retries)
                    _status = HealthStatus.Unhealthy;
            }
            return (before, _status);
        }
    }

    public ContainerHealth ToWire()
    {
        lock (_lock)
        {
            return new ContainerHealth
            {
                Status = _status,
                FailingStreak = _failingStreak,
                Log = _log.Select(r => new HealthcheckResult
                {
                    Start = DockerTime.Rfc3339Nano(r.Start),
                    End = DockerTime.Rfc3339Nano(r.End),
                    ExitCode = r.ExitCode,
                    Output = r.Output,
                }).ToList(),
            };
        }
    }

    public StoredHealth ToStored()
    {
        lock (_lock)
            return new StoredHealth(_status, _failingStreak, [.. _log], RunStartedAt);
    }

    public static HealthState FromStored(StoredHealth stored) =>
        new(stored.Status, stored.FailingStreak, stored.Log, stored.RunStartedAt);
}

/// <summary>The durable form of <see cref="HealthState"/>.</summary>
internal sealed record StoredHealth(string Status, int FailingStreak, List<ProbeResult> Log, DateTimeOffset? RunStartedAt);
