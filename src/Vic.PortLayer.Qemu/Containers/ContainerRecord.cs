using Vic.PortLayer;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// config.json in a container's directory: everything needed to rebuild the VCH's view after a restart
/// (DESIGN rules 2 and 3). Replaced atomically on every change.
/// </summary>
internal sealed record ContainerRecord
{
    public required ContainerSpec Spec { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required ContainerStatus Status { get; init; }

    /// <summary>Length of output.log when the current (or last) run began: that run's records start here.</summary>
    public long RunLogOffset { get; init; }

    /// <summary>RestartCount when the current (or last) VM booted: the tether numbers its runs from there.</summary>
    public int RunRestartBase { get; init; }

    /// <summary>The current (or last) VM's tether applies the restart policy itself and takes the StopNoRelaunch and
    /// RestartPolicy control frames (false for VMs booted by a VCH before these existed: a tether that does not know a
    /// frame kind drops what it has buffered, so they are never sent one).</summary>
    public bool TetherRelaunches { get; init; }

    /// <summary>Set by stop and kill, cleared by start: the restart policy leaves a manually stopped container alone
    /// (and unless-stopped keeps it stopped across VCH restarts).</summary>
    public bool ManuallyStopped { get; init; }
}
