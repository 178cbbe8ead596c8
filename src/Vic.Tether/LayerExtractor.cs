using System.Formats.Tar;
using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// Applies tar entries with Docker/OCI layer semantics onto the current root (the tether has chrooted into the
/// layer's disk): whiteouts, opaque directories, every file type, ownership, modes and times. Entries are
/// taken in order; a later entry for the same path replaces the earlier one, as in a tar extract.
/// </summary>
internal sealed unsafe class LayerExtractor
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>Paths (cleaned, and their parents) this layer has written: whiteouts and opaque markers spare them.</summary>
    private readonly HashSet<string> _added = new(StringComparer.Ordinal) { "" };

    /// <summary>Directory times are set last: creating children would move them again.</summary>
    private readonly List<(string Path, DateTimeOffset Time)> _directoryTimes = [];

    public void Apply(TarEntry entry)
    {
        string name = TarPath.Clean(entry.Name)
            ?? throw new TetherException($"tar entry \"{entry.Name}\" points outside the layer");
        string baseName = TarPath.BaseName(name);
        string parent = TarPath.Parent(name);

        if (baseName == OpaqueMarker)
        {
            EnsureDirectory(parent);
            Opaque(parent);
            return;
        }
        if (baseName.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            string victim = Join(parent, baseName[WhiteoutPrefix.Length..]);
            // A whiteout hides lower content only; what this layer itself added stays.
            if (!_added.Contains(victim))
            {
                RemoveTree("/" + victim);
            }
            return;
        }

        EnsureDirectory(parent);
        string path = "/" + name;
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (name.Length > 0 && Lstat(path) != FileKind.Directory)
                {
                    RemoveTree(path);
                    Sys.Check(Libc.mkdir(path, 0x1C0 /* 0700 until chmod */), $"mkdir {path}");
                }
                SetOwnerAndMode(path, entry, isSymlink: false);
                _directoryTimes.Add((path, entry.ModificationTime));
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                RemoveTree(path);
                using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    entry.DataStream?.CopyTo(file, 1 << 20);
                }
                SetOwnerAndMode(path, entry, isSymlink: false);
                SetTime(path, entry.ModificationTime);
                break;
            case TarEntryType.SymbolicLink:
                RemoveTree(path);
                Sys.Check(Libc.symlink(entry.LinkName, path), $"symlink {path}");
                SetOwnerAndMode(path, entry, isSymlink: true);
                SetTime(path, entry.ModificationTime);
                break;
            case TarEntryType.HardLink:
                string target = TarPath.Clean(entry.LinkName) is { Length: > 0 } cleaned
                    ? "/" + cleaned
                    : throw new TetherException($"hard link \"{entry.Name}\" points outside the layer");
                if (target != path)
                {
                    RemoveTree(path);
                    Sys.Check(Libc.link(target, path), $"link {path} to {target}");
                }
                // A hard link shares the target's inode: its owner, mode and time are the target's.
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                RemoveTree(path);
                uint type = entry.EntryType switch
                {
                    TarEntryType.CharacterDevice => Consts.S_IFCHR,
                    TarEntryType.BlockDevice => Consts.S_IFBLK,
                    _ => Consts.S_IFIFO,
                };
                ulong dev = entry is PosixTarEntry posix && type != Consts.S_IFIFO
                    ? Consts.MakeDev((uint)posix.DeviceMajor, (uint)posix.DeviceMinor) : 0;
                Sys.Check(Libc.mknod(path, type | 0x180, dev), $"mknod {path}");
                SetOwnerAndMode(path, entry, isSymlink: false);
                SetTime(path, entry.ModificationTime);
                break;
            default:
                // Global PAX headers, sparse files and other rare types carry nothing a layer needs.
                return;
        }
        MarkAdded(name);
    }

    /// <summary>Sets the times of directories, once no more entries can change them.</summary>
    public void Finish()
    {
        for (int i = _directoryTimes.Count - 1; i >= 0; i--)
        {
            SetTime(_directoryTimes[i].Path, _directoryTimes[i].Time);
        }
    }

    // Empties a directory of everything that came from lower layers, keeping this layer's own entries.
    private void Opaque(string directory)
    {
        string path = "/" + directory;
        foreach (string child in Directory.EnumerateFileSystemEntries(path))
        {
            string relative = Join(directory, Path.GetFileName(child));
            if (!_added.Contains(relative))
            {
                RemoveTree("/" + relative);
            }
        }
        MarkAdded(directory);
    }

    // Parents missing from the tar are created as root-owned 0755 directories; a non-directory in the way is replaced.
    private static void EnsureDirectory(string relative)
    {
        if (relative.Length == 0)
        {
            return;
        }
        string current = "";
        foreach (string segment in relative.Split('/'))
        {
            current += "/" + segment;
            FileKind kind = Lstat(current);
            if (kind == FileKind.Directory || (kind == FileKind.Symlink && Directory.Exists(current)))
            {
                continue;
            }
            if (kind != FileKind.None)
            {
                RemoveTree(current);
            }
            Sys.Check(Libc.mkdir(current, 0x1ED), $"mkdir {current}");
        }
    }

    private void MarkAdded(string name)
    {
        for (string path = name; path.Length > 0; path = TarPath.Parent(path))
        {
            if (!_added.Add(path))
            {
                break;
            }
        }
    }

    private static void RemoveTree(string path)
    {
        switch (Lstat(path))
        {
            case FileKind.None:
                return;
            case FileKind.Directory:
                // Recursive delete unlinks symlinks inside rather than following them.
                Directory.Delete(path, recursive: true);
                return;
            default:
                File.Delete(path);
                return;
        }
    }

    private static void SetOwnerAndMode(string path, TarEntry entry, bool isSymlink)
    {
        Sys.Check(Libc.lchown(path, (uint)entry.Uid, (uint)entry.Gid), $"chown {path}");
        // After chown: chown clears setuid/setgid bits. Symlink modes mean nothing on Linux.
        if (!isSymlink)
        {
            Sys.Check(Libc.chmod(path, (uint)entry.Mode & 0xFFF), $"chmod {path}");
        }
    }

    private static void SetTime(string path, DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTime.UnixEpoch.Ticks;
        var stamp = new Timespec { Seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest), Nanoseconds = rest * 100 };
        if (stamp.Nanoseconds < 0)
        {
            stamp.Seconds--;
            stamp.Nanoseconds += 1_000_000_000;
        }
        Timespec* times = stackalloc Timespec[2];
        times[0] = stamp;
        times[1] = stamp;
        Sys.Check(Libc.utimensat(Consts.AT_FDCWD, path, times, Consts.AT_SYMLINK_NOFOLLOW), $"set times of {path}");
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}/{name}";

    private enum FileKind
    {
        None,
        Directory,
        Symlink,
        Other,
    }

    private static FileKind Lstat(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (Libc.lstat(path, buffer) < 0)
        {
            return FileKind.None;
        }
        // st_mode sits at offset 24 of struct stat on x86_64.
        uint mode = *(uint*)(buffer + 24) & 0xF000;
        return mode switch
        {
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
    }
}
