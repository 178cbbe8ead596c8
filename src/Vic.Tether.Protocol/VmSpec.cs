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

    /// <summary>The process to run (Mode = Container).</summary>
    public ProcessSpec? Process { get; init; }

    /// <summary>The layer to apply (Mode = ApplyLayer).</summary>
    public LayerApplySpec? Layer { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<VmMode>))]
public enum VmMode
{
    /// <summary>Mount the root disk, switch_root into it, run <see cref="VmSpec.Process"/>, power off when it ends.</summary>
    Container,

    /// <summary>Mount the root disk, apply the tar on <see cref="LayerApplySpec.TarDevice"/> onto it, sync, power off.</summary>
    ApplyLayer,
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

    /// <summary>Run the process on a pseudo-terminal; output then arrives as a single stdout stream.</summary>
    public bool Tty { get; init; }

    /// <summary>Keep the process's stdin open and fed from the control channel.</summary>
    public bool OpenStdin { get; init; }

    /// <summary>Initial terminal size when <see cref="Tty"/> is set (0 = leave the default).</summary>
    public ushort Rows { get; init; }
    public ushort Columns { get; init; }
}

public sealed record LayerApplySpec
{
    /// <summary>Raw block device whose content is an uncompressed tar stream (size is a multiple of 512).</summary>
    public string TarDevice { get; init; } = "/dev/vdb";

    /// <summary>Exact length of the tar in bytes (the device may be padded).</summary>
    public required long TarLength { get; init; }
}

/// <summary>The final record the tether writes to the log channel before powering off.</summary>
public sealed record ExitReport
{
    /// <summary>Docker-style exit code: the process's code, 128+signal when killed, 125/126/127 for launch failures.</summary>
    public required int ExitCode { get; init; }

    /// <summary>A message a person can act on when the process could not be started (unknown user, missing binary...).</summary>
    public string? Error { get; init; }
}

/// <summary>Written to the log channel once the process has been launched.</summary>
public sealed record StartedReport
{
    public required int Pid { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(VmSpec))]
[JsonSerializable(typeof(ProcessSpec))]
[JsonSerializable(typeof(ExitReport))]
[JsonSerializable(typeof(StartedReport))]
public sealed partial class ProtocolJson : JsonSerializerContext;
