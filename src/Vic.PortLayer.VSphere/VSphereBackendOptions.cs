using System.Security.Cryptography.X509Certificates;

namespace Vic.PortLayer.VSphere;

/// <summary>
/// Where a VCH's containerVMs live on vSphere and how to reach it: the vic-vch flags of the vSphere target
/// (<c>--target</c>, <c>--compute-resource</c>, <c>--resource-pool</c>, ...) as vic-machine passes them.
/// </summary>
public sealed record VSphereBackendOptions
{
    /// <summary>The VCH's name: its directory on the image store is <c>&lt;image-store path&gt;/&lt;name&gt;/</c>.</summary>
    public required string VchName { get; init; }

    /// <summary>"https://host/sdk", or "https://host/&lt;dc&gt;" naming the datacenter (then /sdk is implied).</summary>
    public required Uri Target { get; init; }

    public required string Username { get; init; }

    /// <summary>From VIC_VSPHERE_PASSWORD; never on a command line.</summary>
    public required string Password { get; init; }

    /// <summary>SHA-1 (or SHA-256) thumbprint of the server's certificate; null: <see cref="TrustedCertificates"/> or the system's CAs.</summary>
    public string? Thumbprint { get; init; }

    public X509Certificate2Collection? TrustedCertificates { get; init; }

    /// <summary>Cluster or host by inventory path or name; null: the datacenter's only one.</summary>
    public string? ComputeResource { get; init; }

    /// <summary>The VCH's own resource pool (made by vic-machine), by inventory path; null: the compute resource's root pool.</summary>
    public string? ResourcePool { get; init; }

    /// <summary>Folder for containerVMs, by inventory path; null: the datacenter's vm folder.</summary>
    public string? VmFolder { get; init; }

    /// <summary>"datastore" or "datastore/path": where layer disks, container VMs and metadata go.</summary>
    public required string ImageStore { get; init; }

    /// <summary>Port group containerVMs' NICs join (the bridge network).</summary>
    public required string BridgeNetwork { get; init; }

    /// <summary>The appliance's public port group (recorded for docker info; containerVMs do not use it).</summary>
    public string? PublicNetwork { get; init; }

    /// <summary>Container networks: port group → alias (the alias is the port group's name when none is given).</summary>
    public IReadOnlyDictionary<string, string> ContainerNetworks { get; init; } = new Dictionary<string, string>();

    /// <summary>"[ds] path" of the container base: an ISO, or a folder holding <c>container-base.iso</c> (and <c>kernel-release</c>).</summary>
    public required string ContainerBase { get; init; }

    /// <summary>Where containerVMs' interaction serial port connects (tcp://host:port on the appliance); null leaves it disconnected.</summary>
    public string? InteractionUri { get; init; }

    public long DefaultMemoryBytes { get; init; } = 512L * 1024 * 1024;
    public int DefaultCpus { get; init; } = 1;

    /// <summary>Capacity of every disk of a chain (the empty base, each layer, each container): 8 GiB.</summary>
    public long RootDiskKb { get; init; } = 8L * 1024 * 1024;

    /// <summary>Upper bound for one applier VM (boot, untar, sync, power off).</summary>
    public TimeSpan LayerApplyTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a followed log is read again from the datastore.</summary>
    public TimeSpan LogPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Smallest guest memory a container may ask for: the guest kernel and tether alone need about 90 MiB.</summary>
    public const long MinimumMemoryBytes = 128L * 1024 * 1024;

    /// <summary>Throws InvalidArgument naming the bad setting.</summary>
    internal void Validate()
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(VchName, "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"))
            throw new InvalidArgumentException($"VCH name '{VchName}' must be letters, digits, '_', '.' or '-'");
        if (Target.Scheme is not ("https" or "http"))
            throw new InvalidArgumentException($"--target {Target} is not an https URL");
        if (string.IsNullOrWhiteSpace(ImageStore) || ImageStore.StartsWith('/'))
            throw new InvalidArgumentException($"--image-store '{ImageStore}' must be <datastore>[/path]");
        if (!ContainerBase.StartsWith('['))
            throw new InvalidArgumentException($"--container-base '{ContainerBase}' must be a datastore path, \"[datastore] path\"");
        if (string.IsNullOrWhiteSpace(BridgeNetwork))
            throw new InvalidArgumentException("--bridge-network is required on vSphere: containerVMs' NICs join it");
        if (DefaultMemoryBytes < MinimumMemoryBytes || DefaultCpus < 1 || RootDiskKb < 64 * 1024)
            throw new InvalidArgumentException("default memory, CPUs and disk size are below what a containerVM needs");
        if (LayerApplyTimeout <= TimeSpan.Zero || LogPollInterval <= TimeSpan.Zero)
            throw new InvalidArgumentException("timeouts and intervals must be positive");
    }

    /// <summary>The SDK URL and the datacenter path named by <see cref="Target"/> ("https://h/DC0" → ("https://h/sdk", "/DC0")).</summary>
    internal (Uri Sdk, string? Datacenter) SplitTarget()
    {
        string path = Target.AbsolutePath.Trim('/');
        if (path.Length == 0 || path == "sdk")
            return (new Uri(Target, "/sdk"), null);
        return (new Uri(Target, "/sdk"), "/" + Uri.UnescapeDataString(path));
    }
}
