namespace Vic.PortLayer;

/// <summary>What docker cp shows of a path: its base name, size, Go os.FileMode bits, mtime and, for a symlink, where it leads.</summary>
public sealed record ContainerPathStat(string Name, long Size, uint Mode, DateTimeOffset Mtime, string LinkTarget);

/// <summary>A tar of a container path being streamed from the container, with the path's stat. Dispose to end it early.</summary>
public interface IContainerArchive : IAsyncDisposable
{
    ContainerPathStat Stat { get; }

    /// <summary>The tar, read once. A failure in the guest part-way surfaces as an IOException from a read.</summary>
    Stream Content { get; }
}

/// <summary>How a tar is extracted into a container (docker cp into a container).</summary>
public sealed record ExtractOptions
{
    /// <summary>Refuse to replace a directory with a non-directory and the reverse.</summary>
    public bool NoOverwriteDirNonDir { get; init; }

    /// <summary>Keep the tar's owners (docker cp -a); otherwise extracted files belong to root.</summary>
    public bool CopyUidGid { get; init; }
}

/// <summary>One changed path of a container against its image (docker diff).</summary>
public sealed record ContainerChange(string Path, ContainerChangeKind Kind);

/// <summary>dockerd's change kinds, with its numbers.</summary>
public enum ContainerChangeKind
{
    Modified = 0,
    Added = 1,
    Deleted = 2,
}

/// <summary>
/// Files of a container, running or not (docker cp, diff, export, commit). Every tar is read and written inside a VM
/// that sees the container's disk, never on the host (DESIGN rule 5). Container paths are absolute; symlinks in them
/// are followed inside the container's root and never lead out of it. All methods throw NotFound for an unknown
/// container, NotFound for a missing path, InvalidArgument for a request that cannot be done as asked, Internal when
/// the guest fails.
/// </summary>
public interface IContainerFiles
{
    /// <summary>Stat of <paramref name="path"/>, its last symlink not followed (docker cp's HEAD).</summary>
    Task<ContainerPathStat> StatPathAsync(string id, string path, CancellationToken cancellationToken);

    /// <summary>A tar of <paramref name="path"/> (a file, or a directory with everything below it), entries named as dockerd names them.</summary>
    Task<IContainerArchive> GetArchiveAsync(string id, string path, CancellationToken cancellationToken);

    /// <summary>Extracts <paramref name="tar"/> into the directory <paramref name="path"/> (its last symlink followed). InvalidArgument
    /// when it is not a directory. A bad tar stops the extraction: what came before it stays, and the error says why.</summary>
    Task PutArchiveAsync(string id, string path, Stream tar, ExtractOptions options, CancellationToken cancellationToken);

    /// <summary>The container's changes against its image, sorted by path, without the files the VCH manages (/etc/hosts...).</summary>
    Task<IReadOnlyList<ContainerChange>> ChangesAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// docker ps -s's SizeRw: the bytes the container's changes against its image hold (the apparent sizes of added and
    /// modified files, not directories, a hard-linked file once), as dockerd sums a container's overlay upper directory.
    /// Measured as <see cref="ChangesAsync"/> reads the changes, so it costs what a diff costs; a backend may keep the
    /// figure of a container whose disk has not changed since. Conflict for a paused container.
    /// </summary>
    Task<long> ChangesSizeAsync(string id, CancellationToken cancellationToken);

    /// <summary>A tar of the container's whole root filesystem (volumes not included). A running container's filesystem is
    /// frozen while it streams.</summary>
    Task<Stream> ExportAsync(string id, CancellationToken cancellationToken);

    /// <summary>The container's changes as a layer tar (OCI whiteouts for deletions), for docker commit.</summary>
    Task<Stream> ExportChangesAsync(string id, CancellationToken cancellationToken);
}

/// <summary>For backends without container file access: every call is NotSupported.</summary>
public sealed class UnsupportedContainerFiles : IContainerFiles
{
    public static readonly UnsupportedContainerFiles Instance = new();
    private static NotSupportedByBackendException Refusal => new("container file access is not supported by this backend");

    public Task<ContainerPathStat> StatPathAsync(string id, string path, CancellationToken cancellationToken) => throw Refusal;
    public Task<IContainerArchive> GetArchiveAsync(string id, string path, CancellationToken cancellationToken) => throw Refusal;
    public Task PutArchiveAsync(string id, string path, Stream tar, ExtractOptions options, CancellationToken cancellationToken) => throw Refusal;
    public Task<IReadOnlyList<ContainerChange>> ChangesAsync(string id, CancellationToken cancellationToken) => throw Refusal;
    public Task<long> ChangesSizeAsync(string id, CancellationToken cancellationToken) => throw Refusal;
    public Task<Stream> ExportAsync(string id, CancellationToken cancellationToken) => throw Refusal;
    public Task<Stream> ExportChangesAsync(string id, CancellationToken cancellationToken) => throw Refusal;
}
