using System.Text.Json.Serialization;

namespace Vic.Tether.Protocol;

/// <summary>
/// Everything a containerVM needs to run, handed to the tether by the hypervisor (QEMU fw_cfg entry
/// <see cref="Channels.SpecFwCfgName"/>). Stored beside the VM on the datastore, so the VM can boot
/// and be inspected without the VCH (DESIGN rule 3: the VM is self-describing).
/// </summary>
public sealed record VmSpec
{
    /// <summary>What the tether does once the VM is up.</summary>
    public required VmMode Mode { get; init; }

    /// <summary>The container's 64-hex ID (also the VM's name on the datastore).</summary>
    public required string Id { get; init; }

    public string Hostname { get; init; } = "";
    public string Domainname { get; init; } = "";

    /// <summary>Host wall-clock time (Unix ms) when the VM was started; the tether sets the guest clock from it.</summary>
    public long HostTimeUnixMs { get; init; }

    /// <summary>Block device holding the container's root filesystem (ext4), e.g. "/dev/vda".</summary>
    public string RootDevice { get; init; } = "/dev/vda";

    /// <summary>Network interfaces to configure (Mode = Container), in the order of the VM's NICs; empty for none
    /// (loopback is always brought up).</summary>
    public IReadOnlyList<NetworkInterfaceSpec> Interfaces { get; init; } = [];

    /// <summary>MACs of the VM's spare NICs (free slots for docker network connect while running, see
    /// <see cref="NicChange"/>): the tether names them spare0, spare1... and leaves them down.</summary>
    public IReadOnlyList<string> SpareNics { get; init; } = [];

    /// <summary>Written to the container's /etc/resolv.conf; null leaves the image's file alone.</summary>
    public DnsSpec? Dns { get; init; }

    /// <summary>Extra /etc/hosts entries (--add-host, --link aliases), after localhost and the container's own names.</summary>
    public IReadOnlyList<HostEntry> ExtraHosts { get; init; } = [];

    /// <summary>Filesystems mounted inside the container root before the process starts (Mode = Container), in order.</summary>
    public IReadOnlyList<MountPointSpec> Mounts { get; init; } = [];

    /// <summary>The process to run (Mode = Container).</summary>
    public ProcessSpec? Process { get; init; }

    /// <summary>Mount the container's root read-only for its processes (Mode = Container, docker run --read-only).
    /// Left out when false, so older tethers read the same spec.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ReadOnlyRoot { get; init; }

    /// <summary>
    /// The container's restart policy (Mode = Container). For always, unless-stopped and on-failure the tether
    /// relaunches the process inside the running VM when it ends (dockerd's back-off), so the policy acts while no
    /// VCH runs; null or <see cref="RelaunchMode.No"/>: the VM powers off when the process ends.
    /// </summary>
    public RestartPolicySpec? Restart { get; init; }

    /// <summary>Restarts by the policy since the last start by the user, made before this boot (by new VMs): they
    /// count against on-failure's maximum. Left out of the JSON when 0, like <see cref="Restart"/> when null, so a spec
    /// without a policy reads the same to a tether that predates them (appliance images, VMs of an older VCH).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int RestartCount { get; init; }

    /// <summary>The layer to apply (Mode = ApplyLayer).</summary>
    public LayerApplySpec? Layer { get; init; }

    /// <summary>What the VCH appliance runs (Mode = Appliance).</summary>
    public ApplianceSpec? Appliance { get; init; }
    /// <summary>What a file-service VM mounts (Mode = Files).</summary>
    public FilesSpec? Files { get; init; }

    /// <summary>The transfer disk that carries file sessions' bulk data (Container and Files modes); null: the data
    /// travels in FileData frames on the control port.</summary>
    public TransferSpec? Transfer { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<VmMode>))]
public enum VmMode
{
    /// <summary>Mount the root disk, switch_root into it, run <see cref="VmSpec.Process"/>, power off when it ends.</summary>
    Container,

    /// <summary>Mount the root disk, apply the tar on <see cref="LayerApplySpec.TarDevice"/> onto it, sync, power off.</summary>
    ApplyLayer,

    /// <summary>The VCH appliance: mount the appliance disk (read-only) and the data disk, configure the network,
    /// run vic-vch as a supervised child (restarted when it ends), relay its output to the log port. Never powers
    /// off by itself.</summary>
    Appliance,
    /// <summary>
    /// A throwaway VM on a container's disk that serves file sessions (<see cref="ControlFrameKind.FileStart"/>) on the
    /// control port until the host sends <see cref="ControlFrameKind.PowerOff"/>: docker cp of a stopped container,
    /// diff, export and commit. Nothing of the container runs.
    /// </summary>
    Files,

    /// <summary>
    /// A throwaway VM that applies a run of image layers onto its root disk, one after another, as file sessions
    /// (<see cref="FileOperation.ApplyLayer"/>) on the control port: each leaves the disk frozen so the host can make it
    /// a read-only backing file and put a new overlay on top (QMP blockdev-snapshot-sync) before the next layer.
    /// One boot for a whole pull instead of one per layer. Ends on <see cref="ControlFrameKind.PowerOff"/>.
    /// </summary>
    Layers,
}

public sealed record ProcessSpec
{
    /// <summary>argv; Args[0] is resolved against PATH from Env when it has no '/'.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>"KEY=value" entries, as in the Docker config.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>Working directory inside the container; created if missing (as dockerd does). Empty means "/".</summary>
    public string WorkingDir { get; init; } = "";

    /// <summary>"", "uid", "uid:gid", "name", "name:group" (names resolved from the image's /etc/passwd and /etc/group).</summary>
    public string User { get; init; } = "";

    /// <summary>Extra supplementary groups (docker --group-add: names from the container's /etc/group, or numeric IDs),
    /// for the container's process and its execs. Null when there are none, so specs without them read the same to
    /// tethers that predate the field.</summary>
    public IReadOnlyList<string>? AdditionalGroups { get; init; }

    /// <summary>Run the process on a pseudo-terminal; output then arrives as a single stdout stream.</summary>
    public bool Tty { get; init; }

    /// <summary>Keep the process's stdin open and fed from the control channel.</summary>
    public bool OpenStdin { get; init; }

    /// <summary>Initial terminal size when <see cref="Tty"/> is set (0 = leave the default).</summary>
    public ushort Rows { get; init; }
    public ushort Columns { get; init; }
}

/// <summary>One virtio NIC of the VM as the guest must configure it (IPv4).</summary>
public sealed record NetworkInterfaceSpec
{
    /// <summary>MAC address of the NIC ("02:42:ac:11:00:02", lowercase); the tether finds the interface by it.</summary>
    public required string Mac { get; init; }

    /// <summary>Name the interface gets in the guest ("eth0", "eth1", ...).</summary>
    public required string Name { get; init; }

    /// <summary>IPv4 address with prefix length ("172.17.0.2/16"); empty when <see cref="Dhcp"/> is set.</summary>
    public required string Address { get; init; }

    /// <summary>The address comes from a DHCP server on the NIC's network (a container network without a static range):
    /// the tether runs a DHCP client on it and reports each lease as a <see cref="LogRecordKind.Network"/> record. Null
    /// (left out of the JSON) for a static address, so specs read the same to tethers that predate DHCP.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DhcpSpec? Dhcp { get; init; }

    /// <summary>Default gateway reached through this interface; empty when this interface carries no default route
    /// (at most one interface of a VM has one; none for an internal network).</summary>
    public string Gateway { get; init; } = "";

    /// <summary>0 leaves the driver's default (1500).</summary>
    public int Mtu { get; init; }

    /// <summary>Names the container answers to on this network (its name, aliases), written to /etc/hosts with the address.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

/// <summary>How a DHCP NIC uses what its lease carries besides the address.</summary>
public sealed record DhcpSpec
{
    /// <summary>The lease's router becomes the VM's default route (this NIC is the container's way out).</summary>
    public bool DefaultRoute { get; init; }

    /// <summary>The lease's DNS servers and domain go to /etc/resolv.conf (the container has no --dns of its own and
    /// this is its primary network); <see cref="VmSpec.Dns"/> still gives the search list and options.</summary>
    public bool Resolvers { get; init; }
}

/// <summary>
/// Written to the log channel (<see cref="LogRecordKind.Network"/>) whenever a DHCP NIC gains, renews or loses its
/// lease, so the VCH shows the address in inspect without asking the VM.
/// </summary>
public sealed record NetworkReport
{
    /// <summary>The NIC's MAC (lowercase), as in <see cref="NetworkInterfaceSpec.Mac"/>.</summary>
    public required string Mac { get; init; }

    /// <summary>"a.b.c.d/len"; empty when the NIC holds no lease (lost, expired, released).</summary>
    public string Address { get; init; } = "";

    /// <summary>The lease's router; empty when it gave none.</summary>
    public string Gateway { get; init; } = "";

    public IReadOnlyList<string> Nameservers { get; init; } = [];
    public string Domain { get; init; } = "";

    /// <summary>The server that granted the lease.</summary>
    public string Server { get; init; } = "";

    public uint LeaseSeconds { get; init; }

    /// <summary>Why the lease was lost, for the VCH's log; empty otherwise.</summary>
    public string Reason { get; init; } = "";
}

public sealed record DnsSpec
{
    public IReadOnlyList<string> Nameservers { get; init; } = [];
    public IReadOnlyList<string> Search { get; init; } = [];
    public IReadOnlyList<string> Options { get; init; } = [];
}

/// <summary>One filesystem of the container besides its root: a volume disk, a tmpfs or a shared host directory.</summary>
public sealed record MountPointSpec
{
    public required MountSourceKind Kind { get; init; }

    /// <summary>Disk: the block device ("/dev/vdb"). Virtiofs: the device's tag. Tmpfs: unused.</summary>
    public string Source { get; init; } = "";

    /// <summary>Absolute path inside the container; created (with missing parents) when absent.</summary>
    public required string Target { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>Disk: when the volume is empty, copy what the image has at <see cref="Target"/> into it first (Docker's
    /// copy-up of a new volume).</summary>
    public bool CopyUp { get; init; }

    /// <summary>Filesystem data string (tmpfs: "size=65536k,mode=1777").</summary>
    public string Options { get; init; } = "";

    /// <summary>Mount flags by name: "nosuid", "nodev", "noexec" (others are ignored).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];
}

[JsonConverter(typeof(JsonStringEnumConverter<MountSourceKind>))]
public enum MountSourceKind
{
    /// <summary>An ext4 volume disk.</summary>
    Disk,

    /// <summary>A tmpfs in the VM's memory.</summary>
    Tmpfs,

    /// <summary>A host directory shared over virtio-fs (vhost-user-fs device with <see cref="MountPointSpec.Source"/> as tag).</summary>
    Virtiofs,
}

/// <summary>One /etc/hosts line: an address and its names.</summary>
public sealed record HostEntry(string Address, IReadOnlyList<string> Names);

public sealed record LayerApplySpec
{
    /// <summary>Raw block device whose content is an uncompressed tar stream (size is a multiple of 512).</summary>
    public string TarDevice { get; init; } = "/dev/vdb";

    /// <summary>Exact length of the tar in bytes (the device may be padded).</summary>
    public required long TarLength { get; init; }
}

public sealed record FilesSpec
{
    /// <summary>Mount <see cref="VmSpec.RootDevice"/> read-only (a running container's disk, frozen by its own tether).</summary>
    public bool RootReadOnly { get; init; }

    /// <summary>Block device of the image's top layer (read-only), for diff and commit; empty when not needed.</summary>
    public string LowerDevice { get; init; } = "";
}

/// <summary>
/// How one run of the process ended. Without <see cref="RelaunchDelayMs"/> it is the final record the tether writes
/// before powering off; with it, the restart policy relaunches the process in this VM after that delay, and the next
/// record of the run sequence is that run's Started (or, when a stop cancels the relaunch, a final Exit repeating the code).
/// </summary>
public sealed record ExitReport
{
    /// <summary>Docker-style exit code: the process's code, 128+signal when killed, 125/126/127 for launch failures.</summary>
    public required int ExitCode { get; init; }

    /// <summary>A message a person can act on when the process could not be started (unknown user, missing binary...).</summary>
    public string? Error { get; init; }

    /// <summary>Set when the restart policy relaunches the process in the running VM: the back-off it waits first (ms).</summary>
    public long? RelaunchDelayMs { get; init; }
}

/// <summary>Written to the log channel once the process has been launched.</summary>
public sealed record StartedReport
{
    public required int Pid { get; init; }

    /// <summary>Which launch of the process in this VM boot: 1 for the first, n+1 after n relaunches by the restart
    /// policy. 0 (left out of the JSON) from a tether that does not number its runs, or the appliance's supervisor.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Run { get; init; }
}

/// <summary>A container's restart policy as the tether applies it (docker run --restart).</summary>
public sealed record RestartPolicySpec
{
    public required RelaunchMode Mode { get; init; }

    /// <summary>on-failure only: relaunches at most this many times (restarts before this boot included); 0 = no limit.</summary>
    public int MaximumRetryCount { get; init; }
}

/// <summary>Docker's restart policy names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RelaunchMode>))]
public enum RelaunchMode
{
    [JsonStringEnumMemberName("no")]
    No,
    [JsonStringEnumMemberName("always")]
    Always,
    [JsonStringEnumMemberName("unless-stopped")]
    UnlessStopped,
    [JsonStringEnumMemberName("on-failure")]
    OnFailure,
}

/// <summary>
/// The VCH appliance's configuration (Mode = Appliance), besides what <see cref="VmSpec"/> already carries (hostname,
/// <see cref="VmSpec.Interfaces"/>, <see cref="VmSpec.Dns"/>, <see cref="VmSpec.RootDevice"/> = the appliance disk).
/// On vSphere it lives in the appliance VM's extraConfig as guestinfo (<see cref="GuestInfoSpec"/>), written by vic-machine.
/// </summary>
public sealed record ApplianceSpec
{
    /// <summary>vic-vch's arguments (after the executable): the VCH's name, datastore, endpoints, backend target.</summary>
    public required IReadOnlyList<string> VchArgs { get; init; }

    /// <summary>"KEY=value" entries for vic-vch, added to the appliance's defaults.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>ext4 block device holding the VCH's state, mounted at <see cref="DataMountPoint"/>; empty: a tmpfs
    /// there instead (state lost at power-off, which the tether says in the log).</summary>
    public string DataDevice { get; init; } = "";

    public string DataMountPoint { get; init; } = "/var/lib/vic";

    /// <summary>Secrets sealed by vic-machine (<see cref="SecretSealer"/>): the tether writes each, still sealed, under
    /// /run/vic/sealed (tmpfs, 0400) and tells vic-vch where, with <see cref="KeyDevice"/>; vic-vch opens them into
    /// /run/vic/secrets before it reads any of them. Plain secrets never travel in the spec.</summary>
    public IReadOnlyList<SealedSecret> Secrets { get; init; } = [];

    /// <summary>The raw disk holding the key the secrets open with ("/dev/sdb": SCSI 0:1 of the appliance); empty
    /// when there are no secrets.</summary>
    public string KeyDevice { get; init; } = "";
}

/// <summary>One sealed secret: <see cref="Name"/> is a plain file name; <see cref="Sealed"/> base64 of nonce (12) |
/// ciphertext | tag (16), see <see cref="SecretSealer"/>.</summary>
public sealed record SealedSecret(string Name, string Sealed);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(VmSpec))]
[JsonSerializable(typeof(ProcessSpec))]
[JsonSerializable(typeof(ExitReport))]
[JsonSerializable(typeof(StartedReport))]
[JsonSerializable(typeof(NetworkReport))]
[JsonSerializable(typeof(RestartPolicySpec))]
[JsonSerializable(typeof(FileRequest))]
[JsonSerializable(typeof(NicChange))]
[JsonSerializable(typeof(NicChangeResult))]
[JsonSerializable(typeof(PathStat))]
[JsonSerializable(typeof(FileResult))]
[JsonSerializable(typeof(List<FileChange>))]
[JsonSerializable(typeof(ChangesSize))]
public sealed partial class ProtocolJson : JsonSerializerContext;
