using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>dockerd's restart rules, as the tether applies them (the VCH's copy is Vic.PortLayer.RestartRules).</summary>
internal static class RelaunchRules
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan ResetAfter = TimeSpan.FromSeconds(10);

    /// <summary>Whether a process that ended with <paramref name="exitCode"/> runs again, after
    /// <paramref name="restartsSoFar"/> restarts since the user last started the container. unless-stopped acts as
    /// always here: a stop by the user reaches the tether as <see cref="IRelaunchControl.RequestStop"/>.</summary>
    public static bool ShouldRelaunch(RestartPolicySpec? policy, int exitCode, int restartsSoFar) => policy?.Mode switch
    {
        RelaunchMode.Always or RelaunchMode.UnlessStopped => true,
        RelaunchMode.OnFailure => exitCode != 0 && (policy.MaximumRetryCount <= 0 || restartsSoFar < policy.MaximumRetryCount),
        _ => false,
    };

    /// <summary>100 ms doubling up to a minute; back to 100 ms after a run of 10 s or more.</summary>
    public static TimeSpan NextDelay(TimeSpan previous, TimeSpan ranFor)
    {
        if (ranFor >= ResetAfter || previous <= TimeSpan.Zero)
        {
            return FirstDelay;
        }
        TimeSpan next = previous * 2;
        return next > MaxDelay ? MaxDelay : next;
    }
}
