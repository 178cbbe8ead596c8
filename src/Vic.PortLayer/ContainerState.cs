namespace Vic.PortLayer;

public enum ContainerRunState
{
    Created,
    Running,
    Paused,
    Restarting,
    Exited,
    Removing,
    Dead,
}

/// <summary>Observed state of a containerVM, rebuilt from the datastore and the running hypervisor processes.</summary>
public sealed record ContainerStatus
{
    public required ContainerRunState State { get; init; }
    /// <summary>Host PID of the process that is the VM (the hypervisor process), 0 when not running.</summary>
    public int Pid { get; init; }
    public int ExitCode { get; init; }
    /// <summary>Why the container could not start or ended abnormally; empty otherwise.</summary>
    public string Error { get; init; } = "";
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public int RestartCount { get; init; }
    /// <summary>The DHCP leases the running VM's NICs hold (<see cref="NicSpec.Dhcp"/>), as the guest reported them;
    /// empty when the container is not running.</summary>
    public IReadOnlyList<NicLease> Leases { get; init; } = [];
}

/// <summary>A DHCP lease of one NIC: <paramref name="Address"/> "a.b.c.d/len", <paramref name="Gateway"/> the lease's
/// router ("" for none).</summary>
public sealed record NicLease(string Mac, string Address, string Gateway, IReadOnlyList<string> Nameservers);

public sealed record ContainerInfo
{
    public required ContainerSpec Spec { get; init; }
    public required ContainerStatus Status { get; init; }
    public required DateTimeOffset Created { get; init; }
    /// <summary>Where the backend keeps this container (for inspect: a directory locally, a VM path on vSphere).</summary>
    public string Location { get; init; } = "";
    /// <summary>Path of the container's persisted output as the backend stores it (LogPath in docker inspect).</summary>
    public string LogPath { get; init; } = "";
    /// <summary>Bytes the container's own writable disk takes on the datastore (what removing it frees: prune's
    /// SpaceReclaimed, SizeRw); null when the backend cannot tell.</summary>
    public long? DiskBytes { get; init; }
}

public enum WaitCondition
{
    /// <summary>Return at once if not running, else when it stops.</summary>
    NotRunning,
    /// <summary>Return the next time it stops, even if not running now.</summary>
    NextExit,
    /// <summary>Return when the container has been removed.</summary>
    Removed,
}

public sealed record ContainerExit(int ExitCode, string Error);
