namespace Vic.PortLayer;

/// <summary>
/// The desired configuration of one containerVM: what it boots from, what it runs and with what resources.
/// The backend stores it with the VM (DESIGN rule 3). <see cref="Annotations"/> carries opaque data of the
/// personality (the Docker config) so it survives VCH restarts without the port layer knowing Docker.
/// </summary>
public sealed record ContainerSpec
{
    /// <summary>64 lowercase hex characters.</summary>
    public required string Id { get; init; }

    /// <summary>Human name without a leading '/'; unique per VCH.</summary>
    public required string Name { get; init; }

    /// <summary>Layer (chain) ID whose disk the container's writable disk is a child of; null for an empty root.</summary>
    public string? ImageLayerId { get; init; }

    public required ProcessConfig Process { get; init; }

    public string Hostname { get; init; } = "";
    public string Domainname { get; init; } = "";

    /// <summary>Guest memory in bytes; 0 means the backend default.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Number of vCPUs; 0 means the backend default.</summary>
    public int Cpus { get; init; }

    /// <summary>
    /// The VM's CPU weight against other VMs and the host's processes when CPUs are contended, in cgroup cpu.shares
    /// units (1024 is an ordinary process's weight; docker --cpu-shares); 0 leaves the backend's default. It never
    /// limits a VM that has CPU to itself.
    /// </summary>
    public long CpuShares { get; init; }

    /// <summary>Signal number sent by stop before the kill (default SIGTERM = 15).</summary>
    public int StopSignal { get; init; } = 15;

    /// <summary>Seconds between the stop signal and the kill, when stop does not say.</summary>
    public int StopTimeoutSeconds { get; init; } = 10;

    /// <summary>NICs in order (the first is eth0); empty for a container without network.</summary>
    public IReadOnlyList<NicSpec> Nics { get; init; } = [];

    /// <summary>The guest's /etc/resolv.conf; null leaves the image's.</summary>
    public DnsConfig? Dns { get; init; }

    /// <summary>Extra /etc/hosts lines (--add-host, links).</summary>
    public IReadOnlyList<HostAlias> ExtraHosts { get; init; } = [];

    /// <summary>Whether the backend runs the container again when its process ends on its own. Kept with the VM,
    /// so the backend that finds the VM ended (now or after a VCH restart) acts on it.</summary>
    public ContainerRestartPolicy Restart { get; init; } = ContainerRestartPolicy.No;

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Volumes, bind mounts and tmpfs mounts, mounted in this order (a parent path before its children).</summary>
    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];

    /// <summary>The root filesystem is mounted read-only for the process (docker run --read-only); mounts stay as given.</summary>
    public bool ReadOnlyRoot { get; init; }
}

/// <summary>A change to a container's configuration (docker update); null members stay as they are.</summary>
public sealed record ContainerUpdate
{
    public ContainerRestartPolicy? Restart { get; init; }
    /// <summary>New guest memory in bytes; only while the VM is not running.</summary>
    public long? MemoryBytes { get; init; }
    /// <summary>New vCPU count; only while the VM is not running.</summary>
    public int? Cpus { get; init; }
    /// <summary>New CPU weight (<see cref="ContainerSpec.CpuShares"/>); applied at once to a running VM.</summary>
    public long? CpuShares { get; init; }
    /// <summary>Replaces the personality's annotations in the same write, so they never disagree with the spec.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

public sealed record ProcessConfig
{
    public required IReadOnlyList<string> Args { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string WorkingDir { get; init; } = "";
    public string User { get; init; } = "";
    /// <summary>Supplementary groups added to the process's (docker --group-add): group names of the container's
    /// /etc/group or numeric IDs; they apply to its execs too.</summary>
    public IReadOnlyList<string> AdditionalGroups { get; init; } = [];
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    /// <summary>Close stdin after the first attach that used it disconnects (docker run -i without -d).</summary>
    public bool StdinOnce { get; init; }
}
