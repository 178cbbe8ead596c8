namespace Vic.PortLayer;

/// <summary>One filesystem the container sees at <see cref="Target"/> besides its root disk.</summary>
public sealed record MountSpec
{
    public required MountKind Kind { get; init; }

    /// <summary>Volume: the volume's name. Bind: the absolute host directory. Tmpfs: empty.</summary>
    public string Source { get; init; } = "";

    /// <summary>Absolute path inside the container; created when missing.</summary>
    public required string Target { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>Volume: do not copy the image's content at <see cref="Target"/> into the volume on its first mount (nocopy).</summary>
    public bool NoCopy { get; init; }

    /// <summary>Bind: create a missing host directory (docker -v does; --mount type=bind refuses instead).</summary>
    public bool CreateMissingSource { get; init; }

    /// <summary>Tmpfs: size limit in bytes (0: the kernel's default, half of the VM's memory).</summary>
    public long TmpfsSizeBytes { get; init; }

    /// <summary>Tmpfs: permission bits of the mount's root (e.g. 0o1777 = 1023); 0 keeps the default 1777.</summary>
    public int TmpfsMode { get; init; }

    /// <summary>Tmpfs: mount flags as docker --tmpfs takes them ("noexec", "nosuid", "nodev", "exec"...).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];
}

public enum MountKind
{
    /// <summary>A named volume of the VCH's volume stores (a disk of its own).</summary>
    Volume,

    /// <summary>A directory of the host the VCH runs on, shared into the VM.</summary>
    Bind,

    /// <summary>Memory of the VM.</summary>
    Tmpfs,
}
