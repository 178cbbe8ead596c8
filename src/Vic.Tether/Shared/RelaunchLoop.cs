using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Restart policies inside the VM, so they act while no VCH runs (containers outlive the VCH process): when the
/// process ends and the policy says so, it is launched again in the same root after dockerd's back-off, with an Exit
/// record (carrying the delay) and then a Started record (with the run number) for every relaunch. The loop ends,
/// returning the last run's report, when the policy says no more, a launch fails, or the user stopped the container.
/// </summary>
internal sealed class RelaunchLoop(RestartPolicySpec? policy, int priorRestarts, IRelaunchClock clock) : IRelaunchControl
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private RestartPolicySpec? _policy = policy;
    private bool _stopped;

    /// <summary>Relaunches made so far in this VM.</summary>
    public int Relaunches { get; private set; }

    public void RequestStop()
    {
        lock (_gate)
        {
            _stopped = true;
        }
        _stop.Cancel();
    }

    public void UpdatePolicy(RestartPolicySpec policy)
    {
        lock (_gate)
        {
            _policy = policy;
        }
    }

    public ExitReport Run(IRelaunchTarget target, IRunRecords records)
    {
        TimeSpan delay = TimeSpan.Zero;
        for (int run = 1; ; run++)
        {
            RunStart start;
            lock (_gate)
            {
                start = target.Launch();
            }
            if (start.Failure is { } failure)
            {
                // dockerd gives up too when a restart cannot start the process: nothing would change by retrying.
                return failure;
            }
            records.Started(start.Pid, run);
            TimeSpan began = clock.Now;
            var report = new ExitReport { ExitCode = target.WaitForExit() };
            TimeSpan ranFor = clock.Now - began;
            RestartPolicySpec? current;
            lock (_gate)
            {
                if (_stopped)
                {
                    return report;
                }
                current = _policy;
            }
            if (!RelaunchRules.ShouldRelaunch(current, report.ExitCode, priorRestarts + Relaunches))
            {
                return report;
            }
            delay = RelaunchRules.NextDelay(delay, ranFor);
            records.Exit(report with { RelaunchDelayMs = (long)delay.TotalMilliseconds });
            if (!clock.Wait(delay, _stop.Token))
            {
                return report;
            }
            lock (_gate)
            {
                if (_stopped)
                {
                    return report;
                }
                Relaunches++;
            }
        }
    }
}
