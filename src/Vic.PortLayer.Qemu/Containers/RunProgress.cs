using Vic.PortLayer.Qemu.Logs;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// Folds the Started and Exit records of a VM that is up into its status: the tether relaunches the process inside
/// the VM under the restart policy (see the tether's RelaunchLoop), and each relaunch is an Exit carrying the back-off
/// (the container is Restarting while the tether waits it out) then a Started with the run number. Pure, so the
/// same fold serves the watcher while the VCH runs and the catch-up when it comes back after being down.
/// </summary>
internal static class RunProgress
{
    /// <summary>
    /// The status after <paramref name="record"/>; <paramref name="raised"/> is the state change listeners are told
    /// about (Exited for an exit that will be relaunched, Running for a relaunch), null when there is none.
    /// <paramref name="restartBase"/> is the restart count the VM booted with: the count after run n is base + n - 1.
    /// </summary>
    public static ContainerStatus Apply(ContainerStatus status, int restartBase, RunRecord record, out ContainerRunState? raised)
    {
        raised = null;
        if (record.Network is { } network)
        {
            // The guest's DHCP client gained, renewed or lost a lease: inspect shows what the NIC holds now.
            var leases = status.Leases.Where(l => !string.Equals(l.Mac, network.Mac, StringComparison.OrdinalIgnoreCase)).ToList();
            if (network.Address.Length > 0)
                leases.Add(new NicLease(network.Mac.ToLowerInvariant(), network.Address, network.Gateway, network.Nameservers));
            return status with { Leases = leases };
        }
        bool paused = status.State == ContainerRunState.Paused; // a paused VM keeps showing paused; the counts still move
        if (record.Started is { Run: > 1 } started)
        {
            raised = paused ? null : ContainerRunState.Running;
            return status with
            {
                State = paused ? status.State : ContainerRunState.Running,
                StartedAt = record.Time,
                RestartCount = restartBase + started.Run - 1,
                ExitCode = 0, // as dockerd's running state
                Error = "",
            };
        }
        if (record.Exit is { RelaunchDelayMs: not null } exit)
        {
            raised = paused ? null : ContainerRunState.Exited;
            return status with
            {
                State = paused ? status.State : ContainerRunState.Restarting,
                ExitCode = exit.ExitCode,
                Error = exit.Error ?? "",
                FinishedAt = record.Time,
            };
        }
        // The first run's Started is the start the VCH already recorded; a final Exit is read when the VM has ended.
        return status;
    }
}
