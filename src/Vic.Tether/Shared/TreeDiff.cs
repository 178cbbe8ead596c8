using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>What a diff needs to know of one entry (lstat, plus the link target of a symlink).</summary>
internal readonly record struct FileMeta(uint Mode, uint Uid, uint Gid, long Size, long Inode, long MtimeNanos, long CtimeNanos, string? LinkTarget,
    long Links = 1, ulong Rdev = 0)
{
    public bool IsDirectory => (Mode & 0xF000) == 0x4000;
}

/// <summary>A directory tree as the diff reads it; paths are relative to its root ("" is the root, "a/b" below it).</summary>
internal interface IFileTree
{
    /// <summary>The entry's metadata without following a final symlink; null when absent.</summary>
    FileMeta? Lstat(string relative);

    /// <summary>The names in a directory.</summary>
    IReadOnlyList<string> List(string relative);
}

/// <summary>
/// A container's changes: its disk (the upper tree, a copy-on-write child of the image's top layer) against that
/// layer (the lower tree). As dockerd reports them: a path only in the upper tree is added (1), every entry below an
/// added directory too; a path only in the lower tree is deleted (2), reported once for a whole deleted directory; a
/// path in both is modified (0) when its type, owner, mode, size, times, inode or link target differ, a directory only
/// when its owner, mode, size or mtime do (a parent is not modified because a child changed). Pure.
/// </summary>
internal static class TreeDiff
{
    public const int Modified = 0;
    public const int Added = 1;
    public const int Deleted = 2;

    /// <summary>The changes in depth-first order with names sorted (parents before their children);
    /// <paramref name="skip"/> hides paths (relative, no leading "/") and everything below them.</summary>
    public static IEnumerable<FileChange> Walk(IFileTree upper, IFileTree lower, Func<string, bool> skip) =>
        WalkDirectory(upper, lower, "", lowerIsDirectory: true, skip);

    private static IEnumerable<FileChange> WalkDirectory(IFileTree upper, IFileTree lower, string directory, bool lowerIsDirectory, Func<string, bool> skip)
    {
        var upperNames = new HashSet<string>(upper.List(directory), StringComparer.Ordinal);
        var lowerNames = lowerIsDirectory ? new HashSet<string>(lower.List(directory), StringComparer.Ordinal) : [];
        foreach (string name in upperNames.Union(lowerNames).Order(StringComparer.Ordinal))
        {
            string path = directory.Length == 0 ? name : $"{directory}/{name}";
            if (skip(path))
            {
                continue;
            }
            FileMeta? now = upperNames.Contains(name) ? upper.Lstat(path) : null;
            FileMeta? before = lowerNames.Contains(name) ? lower.Lstat(path) : null;
            if (now is not { } u)
            {
                if (before is not null)
                {
                    yield return new FileChange("/" + path, Deleted);
                }
                continue;
            }
            if (before is not { } l)
            {
                yield return new FileChange("/" + path, Added);
                if (u.IsDirectory)
                {
                    foreach (FileChange change in WalkDirectory(upper, lower, path, lowerIsDirectory: false, skip))
                    {
                        yield return change;
                    }
                }
                continue;
            }
            bool bothDirectories = u.IsDirectory && l.IsDirectory;
            if (bothDirectories ? DirectoryChanged(u, l) : EntryChanged(u, l))
            {
                yield return new FileChange("/" + path, Modified);
            }
            if (u.IsDirectory)
            {
                foreach (FileChange change in WalkDirectory(upper, lower, path, lowerIsDirectory: bothDirectories, skip))
                {
                    yield return change;
                }
            }
        }
    }

    /// <summary>
    /// The bytes the changes hold, as dockerd's SizeRw sums an overlay upper directory: the apparent size of every added or
    /// modified entry that is not a directory (a modified file counts whole: overlay copies it up whole), each inode once
    /// (hard links), deletions nothing.
    /// </summary>
    public static long ChangesSize(IFileTree upper, IFileTree lower, Func<string, bool> skip)
    {
        var inodes = new HashSet<long>();
        long total = 0;
        foreach (FileChange change in Walk(upper, lower, skip))
        {
            if (change.Kind == Deleted || upper.Lstat(change.Path[1..]) is not { } meta || meta.IsDirectory || meta.Size == 0)
            {
                continue;
            }
            if (inodes.Add(meta.Inode))
            {
                total += meta.Size;
            }
        }
        return total;
    }

    private static bool DirectoryChanged(FileMeta u, FileMeta l) =>
        u.Mode != l.Mode || u.Uid != l.Uid || u.Gid != l.Gid || u.Size != l.Size || u.MtimeNanos != l.MtimeNanos;

    private static bool EntryChanged(FileMeta u, FileMeta l) =>
        u.Mode != l.Mode || u.Uid != l.Uid || u.Gid != l.Gid || u.Size != l.Size || u.MtimeNanos != l.MtimeNanos
        || u.CtimeNanos != l.CtimeNanos || u.Inode != l.Inode || u.LinkTarget != l.LinkTarget;

    /// <summary>Paths the VCH itself writes into every container (dockerd bind-mounts them, so they never show), and
    /// the empty filesystem's lost+found, which is no image's content.</summary>
    public static bool IsManaged(string relative) =>
        relative is "etc/hosts" or "etc/hostname" or "etc/resolv.conf" or "lost+found";
}
