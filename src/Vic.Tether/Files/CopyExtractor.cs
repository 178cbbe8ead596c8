using System.Formats.Tar;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether.Files;

/// <summary>
/// Extracts a docker cp tar into a directory of the container, as dockerd's untar does inside the container's root:
/// names are taken relative to the destination ("..", absolute names and relative link targets may not climb out of
/// it), symlinks already in the container are followed inside its root, owners are root unless the copy keeps the
/// tar's (-a), modes and times are the tar's. Entries apply in order; a bad entry stops the extraction with what was
/// written before it kept, and the error says which entry and why.
/// </summary>
internal sealed class CopyExtractor(DiskTree root, string destination, bool noOverwriteDirNonDir, bool copyUidGid)
{
    private readonly List<(string Path, DateTimeOffset Time)> _directoryTimes = [];

    public void Extract(Stream tar)
    {
        try
        {
            using var reader = new TarReader(tar);
            while (reader.GetNextEntry() is TarEntry entry)
            {
                Apply(entry);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new FileSessionException(FileErrorKind.Failed, $"Error processing tar file: {e.Message}");
        }
        for (int i = _directoryTimes.Count - 1; i >= 0; i--)
        {
            FileOps.SetTime(_directoryTimes[i].Path, _directoryTimes[i].Time);
        }
    }

    private void Apply(TarEntry entry)
    {
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes or TarEntryType.LongLink or TarEntryType.LongPath)
        {
            return;
        }
        string name = TarPath.Clean(entry.Name)
            ?? throw new FileSessionException(FileErrorKind.Invalid, $"invalid path in archive: \"{entry.Name}\" is outside of the destination");
        string path = Locate(name);
        FileMeta? existing = FileOps.Lstat(path);
        bool isDirectory = entry.EntryType == TarEntryType.Directory;
        if (existing is not null && noOverwriteDirNonDir)
        {
            if (FileOps.IsDirectory(existing) && !isDirectory)
            {
                throw new FileSessionException(FileErrorKind.Failed, $"cannot overwrite directory \"{Shown(path)}\" with non-directory \"{entry.Name}\"");
            }
            if (!FileOps.IsDirectory(existing) && isDirectory)
            {
                throw new FileSessionException(FileErrorKind.Failed, $"cannot overwrite non-directory \"{Shown(path)}\" with directory \"{entry.Name}\"");
            }
        }
        if (existing is not null && !(isDirectory && FileOps.IsDirectory(existing)))
        {
            FileOps.RemoveTree(path);
        }

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (!FileOps.IsDirectory(existing))
                {
                    Sys.Check(Libc.mkdir(path, 0x1C0), $"mkdir {Shown(path)}");
                }
                Own(path, entry, symlink: false);
                _directoryTimes.Add((path, entry.ModificationTime));
                return;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    entry.DataStream?.CopyTo(file, 1 << 20);
                }
                Own(path, entry, symlink: false);
                break;
            case TarEntryType.SymbolicLink:
                if (!entry.LinkName.StartsWith('/') && TarPath.Clean(Join(TarPath.Parent(name), entry.LinkName)) is null)
                {
                    throw new FileSessionException(FileErrorKind.Invalid, $"invalid symlink \"{entry.Name}\" -> \"{entry.LinkName}\"");
                }
                Sys.Check(Libc.symlink(entry.LinkName, path), $"symlink {Shown(path)}");
                Own(path, entry, symlink: true);
                break;
            case TarEntryType.HardLink:
                string target = TarPath.Clean(entry.LinkName) is { Length: > 0 } cleaned
                    ? Locate(cleaned)
                    : throw new FileSessionException(FileErrorKind.Invalid, $"invalid hardlink \"{entry.Name}\" -> \"{entry.LinkName}\"");
                Sys.Check(Libc.link(target, path), $"link {Shown(path)} to {Shown(target)}");
                return; // the link shares its target's owner, mode and times
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                uint type = entry.EntryType switch
                {
                    TarEntryType.CharacterDevice => Consts.S_IFCHR,
                    TarEntryType.BlockDevice => Consts.S_IFBLK,
                    _ => Consts.S_IFIFO,
                };
                ulong device = entry is PosixTarEntry posix && type != Consts.S_IFIFO ? Consts.MakeDev((uint)posix.DeviceMajor, (uint)posix.DeviceMinor) : 0;
                Sys.Check(Libc.mknod(path, type | 0x180, device), $"mknod {Shown(path)}");
                Own(path, entry, symlink: false);
                break;
            default:
                return; // sparse files and other rare types are not copied, as dockerd skips what it does not know
        }
        FileOps.SetTime(path, entry.ModificationTime);
    }

    /// <summary>
    /// The full path for a cleaned entry name: its parent resolved inside the container root (existing symlinks
    /// followed as the container sees them) and created when missing, the last segment as it is.
    /// </summary>
    private string Locate(string name)
    {
        string parentName = TarPath.Parent(name);
        var parent = ScopedPath.Resolve(Join(destination, parentName), followLast: true, relative => FileOps.ReadLink(root.Full(relative)));
        string parentPath = root.Full(string.Join('/', parent));
        if (!FileOps.IsDirectory(FileOps.Lstat(parentPath)))
        {
            if (FileOps.Lstat(parentPath) is not null)
            {
                throw new FileSessionException(FileErrorKind.Failed, $"cannot extract \"{name}\": {Shown(parentPath)} is not a directory");
            }
            Directory.CreateDirectory(parentPath);
        }
        return name.Length == 0 ? parentPath : $"{parentPath.TrimEnd('/')}/{TarPath.BaseName(name)}";
    }

    private void Own(string path, TarEntry entry, bool symlink)
    {
        uint uid = copyUidGid ? (uint)entry.Uid : 0;
        uint gid = copyUidGid ? (uint)entry.Gid : 0;
        Sys.Check(Libc.lchown(path, uid, gid), $"chown {Shown(path)}");
        if (!symlink)
        {
            // After chown, which clears setuid and setgid.
            Sys.Check(Libc.chmod(path, (uint)entry.Mode & 0xFFF), $"chmod {Shown(path)}");
        }
    }

    /// <summary>The path as the container sees it.</summary>
    private string Shown(string path)
    {
        string prefix = root.Root.TrimEnd('/');
        return prefix.Length > 0 && path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : path;
    }

    private static string Join(string parent, string name) =>
        parent.Length == 0 ? name : name.Length == 0 ? parent : $"{parent}/{name}";
}
