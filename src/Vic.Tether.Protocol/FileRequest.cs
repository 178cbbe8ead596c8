using System.Text.Json.Serialization;

namespace Vic.Tether.Protocol;

[JsonConverter(typeof(JsonStringEnumConverter<FileOperation>))]
public enum FileOperation
{
    /// <summary>Stat <see cref="FileRequest.Path"/> (symlinks in its parents followed inside the root, the last one not):
    /// answers FileStat then FileDone.</summary>
    Stat,

    /// <summary>A tar of <see cref="FileRequest.Path"/> as dockerd makes it for GET /containers/{id}/archive: FileStat,
    /// FileData frames, FileDone.</summary>
    Get,

    /// <summary>Extract the tar the host sends (FileData frames, then FileDataEnd) into the directory at
    /// <see cref="FileRequest.Path"/> (the last symlink followed too): FileDone.</summary>
    Put,

    /// <summary>The root's changes against the lower tree (Files mode with a lower device): FileData frames holding a
    /// JSON list of <see cref="FileChange"/>, then FileDone.</summary>
    Changes,

    /// <summary>A tar of the whole root filesystem (docker export): FileData frames, FileDone.</summary>
    Export,

    /// <summary>The root's changes as a layer tar with OCI whiteouts (docker commit): FileData frames, FileDone.</summary>
    LayerDiff,

    /// <summary>Running containers only: sync and freeze the root filesystem (FIFREEZE) so another VM can read its disk
    /// consistently; thawed by <see cref="Thaw"/> or after <see cref="FileRequest.FreezeSeconds"/>. FileDone.</summary>
    Freeze,

    /// <summary>Thaw what <see cref="Freeze"/> froze. FileDone.</summary>
    Thaw,

    /// <summary>How many bytes the root's changes against the lower tree hold (Files mode with a lower device): the sizes
    /// of the added and modified entries that are not directories, a hard-linked file once, as dockerd sums an overlay
    /// upper directory for SizeRw. FileData frames holding a JSON <see cref="ChangesSize"/>, then FileDone.</summary>
    ChangesSize,

    /// <summary>Layers mode only: thaw the root filesystem if an earlier layer froze it, apply the tar the host sends
    /// (data as for <see cref="Put"/>) onto the root with image-layer semantics (whiteouts, opaque directories), then
    /// sync and freeze the root filesystem so its disk is complete and clean for the host's snapshot: FileDone.</summary>
    ApplyLayer,
}

/// <summary>What a file session does; the payload of <see cref="ControlFrameKind.FileStart"/>.</summary>
public sealed record FileRequest
{
    public required FileOperation Operation { get; init; }

    /// <summary>Absolute path inside the container (Stat, Get, Put); a trailing "/" or "/." is meaningful, as for docker cp.</summary>
    public string Path { get; init; } = "";

    /// <summary>Put: refuse to replace a directory with a non-directory or the reverse.</summary>
    public bool NoOverwriteDirNonDir { get; init; }

    /// <summary>Put: keep the tar's owners (docker cp -a); otherwise everything extracted is owned by root.</summary>
    public bool CopyUidGid { get; init; }

    /// <summary>Freeze: the longest the filesystem stays frozen if no Thaw comes (the host may have died).</summary>
    public int FreezeSeconds { get; init; } = 600;

    /// <summary>The session's data (both ways) goes through the transfer disk's slots (FileSlot frames) instead of
    /// FileData frames. The host asks only when the VM's spec has a <see cref="VmSpec.Transfer"/> disk.</summary>
    public bool UseTransfer { get; init; }
}

/// <summary>The stat docker cp shows (dockerd's X-Docker-Container-Path-Stat), Mode in Go's os.FileMode bits.</summary>
public sealed record PathStat
{
    public required string Name { get; init; }
    public long Size { get; init; }
    public uint Mode { get; init; }
    /// <summary>Modification time, Unix nanoseconds.</summary>
    public long MtimeUnixNanos { get; init; }
    /// <summary>For a symlink: where it leads, resolved inside the root ("/etc/x"); else empty.</summary>
    public string LinkTarget { get; init; } = "";
}

[JsonConverter(typeof(JsonStringEnumConverter<FileErrorKind>))]
public enum FileErrorKind
{
    None,
    /// <summary>The path does not exist.</summary>
    NotFound,
    /// <summary>The request cannot be done as asked (not a directory, overwrite refused, bad tar).</summary>
    Invalid,
    /// <summary>Anything else (I/O errors, a frozen filesystem).</summary>
    Failed,
}

/// <summary>How a file session ended; the payload of <see cref="ControlFrameKind.FileDone"/>.</summary>
public sealed record FileResult
{
    public FileErrorKind Error { get; init; }
    public string Message { get; init; } = "";
}

/// <summary>The answer of <see cref="FileOperation.ChangesSize"/>.</summary>
public sealed record ChangesSize(long Bytes);

/// <summary>One entry of a container's changes, as dockerd's: Kind 0 modified, 1 added, 2 deleted.</summary>
public sealed record FileChange(string Path, int Kind);
