using Vic.PortLayer;

namespace Vic.PortLayer.Qemu;

/// <summary>Settings of the local QEMU backend. Defaults are chosen for a laptop-sized host running TCG.</summary>
public sealed record QemuBackendOptions
{
    /// <summary>Directory holding layers, containers and metadata; created when missing. Must be absolute.</summary>
    public required string DatastorePath { get; init; }

    /// <summary>Directory with the container base: vmlinuz, initramfs.cpio and kernel-release.</summary>
    public required string ContainerBasePath { get; init; }

    public string QemuBinary { get; init; } = "qemu-system-x86_64";
    public string QemuImgBinary { get; init; } = "qemu-img";

    /// <summary>
    /// Name of the network namespace (in /run/netns) holding this VCH's bridges and taps; created when missing. Null
    /// runs containers without NICs (the fabric reports itself unavailable).
    /// </summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>iproute2's ip, which manages the namespace, bridges and taps.</summary>
    public string IpBinary { get; init; } = "ip";

    /// <summary>Loads the namespace's nat table that sends containers' outbound connections to the VCH's proxy
    /// (Debian's iptables; run inside the namespace with `ip netns exec`).</summary>
    public string IptablesRestoreBinary { get; init; } = "iptables-restore";

    /// <summary>Formats the empty base disk; our own empty filesystem, never untrusted content.</summary>
    public string MkfsExt4Binary { get; init; } = "mkfs.ext4";

    /// <summary>Serves bind-mounted host directories to VMs over vhost-user-fs (QEMU 7.2's C daemon; Debian 12
    /// ships it in qemu-system-common).</summary>
    public string VirtiofsdBinary { get; init; } = "/usr/lib/qemu/virtiofsd";

    /// <summary>Volume stores by label, each a directory (created when missing). Empty: one store, "default", at
    /// &lt;datastore&gt;/volumes.</summary>
    public IReadOnlyDictionary<string, string> VolumeStores { get; init; } = new Dictionary<string, string>();

    /// <summary>"auto" (KVM only when /dev/kvm exists and a probe guest finishes in time, else TCG), "kvm" or "tcg".</summary>
    public string Accelerator { get; init; } = "auto";

    /// <summary>How long the KVM probe guest may take before KVM is declared unusable (DESIGN: KVM can hang here).</summary>
    public TimeSpan AcceleratorProbeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Spare NICs every networked containerVM boots with, for docker network connect while it runs (a microvm
    /// cannot hot-plug). Each costs a tap and a virtio-net device; a stop and start makes room again.</summary>
    public int SpareNicSlots { get; init; } = 2;

    public long DefaultMemoryBytes { get; init; } = 512L * 1024 * 1024;
    public int DefaultCpus { get; init; } = 1;

    /// <summary>Size of every container's root filesystem (the empty base disk every layer chain starts from).</summary>
    public long RootDiskBytes { get; init; } = 8L * 1024 * 1024 * 1024;

    /// <summary>
    /// Cap of TCG's translation cache per VM in MiB. QEMU's default (1 GiB) lets the cache grow with every piece
    /// of guest code ever run; booting the guest alone fills 32 MiB. Measured idle host memory of a `sleep`
    /// containerVM: 32 MiB → 208 MiB PSS, 16 → 181, 8 → 163, with no measurable boot-time difference.
    /// </summary>
    public int TcgTranslationCacheMiB { get; init; } = 16;

    /// <summary>How long a start waits for the tether to report that the process launched (or why it could not).
    /// Past it the start returns anyway and the container is Running; under heavy TCG load a boot takes seconds.</summary>
    public TimeSpan LaunchReportTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Upper bound for one ApplyLayer VM (boot, untar, sync, power off).</summary>
    public TimeSpan LayerApplyTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest a Files VM (docker cp of a stopped container, diff, export, commit) may live; it powers off
    /// as soon as its work is done, this only bounds one whose client stalls.</summary>
    public TimeSpan FilesVmTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often running VMs are checked for exit and followed logs for growth.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Smallest guest memory a container may ask for: the guest kernel and tether alone need about 90 MiB.</summary>
    public const long MinimumMemoryBytes = 128L * 1024 * 1024;

    /// <summary>Throws InvalidArgument with a message naming the bad setting.</summary>
    internal void Validate()
    {
        if (!Path.IsPathFullyQualified(DatastorePath))
            throw new InvalidArgumentException($"DatastorePath must be an absolute path, got '{DatastorePath}'");
        if (!Path.IsPathFullyQualified(ContainerBasePath))
            throw new InvalidArgumentException($"ContainerBasePath must be an absolute path, got '{ContainerBasePath}'");
        if (Accelerator is not ("auto" or "kvm" or "tcg"))
            throw new InvalidArgumentException($"Accelerator must be auto, kvm or tcg, got '{Accelerator}'");
        if (DefaultMemoryBytes < MinimumMemoryBytes)
            throw new InvalidArgumentException($"DefaultMemoryBytes must be at least {MinimumMemoryBytes / (1024 * 1024)} MiB");
        if (DefaultCpus < 1)
            throw new InvalidArgumentException("DefaultCpus must be at least 1");
        if (RootDiskBytes < 64L * 1024 * 1024)
            throw new InvalidArgumentException("RootDiskBytes must be at least 64 MiB");
        if (TcgTranslationCacheMiB is < 1 or > 2048)
            throw new InvalidArgumentException("TcgTranslationCacheMiB must be between 1 and 2048");
        foreach (var (label, path) in VolumeStores)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(label, "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"))
                throw new InvalidArgumentException($"volume store label '{label}' must be letters, digits, '_', '.' or '-'");
            if (!Path.IsPathFullyQualified(path))
                throw new InvalidArgumentException($"volume store '{label}' must be an absolute path, got '{path}'");
        }
        if (AcceleratorProbeTimeout <= TimeSpan.Zero || LayerApplyTimeout <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero)
            throw new InvalidArgumentException("timeouts and intervals must be positive");
    }
}
