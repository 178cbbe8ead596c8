using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// Copies a directory tree from the container's root disk into a new volume, keeping what a file is: type, owner,
/// mode and modification time. Symlinks are copied as links (never followed); devices and fifos are recreated.
/// Hard links become separate files (Docker's copy-up does the same).
/// </summary>
internal static unsafe class TreeCopy
{
    private const uint TypeMask = 0xF000, DirectoryType = 0x4000, Regular = 0x8000, Symlink = 0xA000;

    /// <summary>Copies what <paramref name="source"/> holds into <paramref name="destination"/>; returns the number of entries.</summary>
    public static int CopyContents(string source, string destination)
    {
        int count = 0;
        foreach (string entry in Directory.EnumerateFileSystemEntries(source))
        {
            count += Copy(entry, Path.Combine(destination, Path.GetFileName(entry)));
        }
        return count;
    }

    /// <summary>Gives <paramref name="destination"/> the owner, mode and time of <paramref name="source"/>.</summary>
    public static void CopyAttributes(string source, string destination)
    {
        Stat s = Lstat(source);
        Apply(destination, s, isSymlink: false);
    }

    private static int Copy(string source, string destination)
    {
        Stat s = Lstat(source);
        switch (s.Mode & TypeMask)
        {
            case DirectoryType:
                Sys.Check(Libc.mkdir(destination, 0x1C0), $"mkdir {destination}");
                int count = 1 + CopyContents(source, destination);
                Apply(destination, s, isSymlink: false);
                return count;
            case Regular:
                File.Copy(source, destination);
                break;
            case Symlink:
                string target = new FileInfo(source).LinkTarget ?? "";
                Sys.Check(Libc.symlink(target, destination), $"symlink {destination}");
                break;
            default:
                Sys.Check(Libc.mknod(destination, s.Mode, s.Rdev), $"mknod {destination}");
                break;
        }
        Apply(destination, s, (s.Mode & TypeMask) == Symlink);
        return 1;
    }

    private static void Apply(string path, Stat s, bool isSymlink)
    {
        Sys.Check(Libc.lchown(path, s.Uid, s.Gid), $"chown {path}");
        // After chown, which clears setuid/setgid bits.
        if (!isSymlink)
        {
            Sys.Check(Libc.chmod(path, s.Mode & 0xFFF), $"chmod {path}");
        }
        Timespec* times = stackalloc Timespec[2];
        times[0] = s.Mtime;
        times[1] = s.Mtime;
        Sys.Check(Libc.utimensat(Consts.AT_FDCWD, path, times, Consts.AT_SYMLINK_NOFOLLOW), $"set times of {path}");
    }

    private readonly record struct Stat(uint Mode, uint Uid, uint Gid, ulong Rdev, Timespec Mtime);

    private static Stat Lstat(string path)
    {
        byte* b = stackalloc byte[256];
        Sys.Check(Libc.lstat(path, b), $"stat {path}");
        // struct stat on x86_64: st_mode at 24, st_uid 28, st_gid 32, st_rdev 40, st_mtim 88.
        return new Stat(*(uint*)(b + 24), *(uint*)(b + 28), *(uint*)(b + 32), *(ulong*)(b + 40), *(Timespec*)(b + 88));
    }
}
