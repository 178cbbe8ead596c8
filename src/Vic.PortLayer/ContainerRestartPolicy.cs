namespace Vic.PortLayer;

public enum RestartMode
{
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

/// <summary>What the backend does when a container's process ends without being asked to (docker run --restart).</summary>
public sealed record ContainerRestartPolicy(RestartMode Mode, int MaximumRetryCount = 0)
{
    public static readonly ContainerRestartPolicy No = new(RestartMode.No);
}

/// <summary>
/// Docker's restart rules, shared by every backend so they decide alike: which exits restart, and the delay
/// before each restart (100 ms doubling up to a minute, back to 100 ms after a run of 10 s or more).
/// </summary>
public static class RestartRules
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan ResetAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a container that is not running should run again. <paramref name="manuallyStopped"/> only holds back
    /// unless-stopped: a stop also cancels the restart of the run it ended, which callers check before asking.
    /// <paramref name="restartCount"/> is the number of policy restarts since the last start by the user.
    /// </summary>
    public static bool ShouldRestart(ContainerRestartPolicy policy, int exitCode, bool manuallyStopped, int restartCount) => policy.Mode switch
    {
        RestartMode.Always => true,
        RestartMode.UnlessStopped => !manuallyStopped,
        RestartMode.OnFailure => exitCode != 0 && (policy.MaximumRetryCount == 0 || restartCount < policy.MaximumRetryCount),
        _ => false,
    };

    /// <summary>The delay before the next restart, given the last one and how long the run that just ended lasted.</summary>
    public static TimeSpan NextDelay(TimeSpan previous, TimeSpan ranFor)
    {
        if (ranFor >= ResetAfter || previous <= TimeSpan.Zero)
            return FirstDelay;
        TimeSpan next = previous * 2;
        return next > MaxDelay ? MaxDelay : next;
    }
}
