using Vic.Tether.Native;

namespace Vic.Tether.Files;

/// <summary>lstat and the few changes docker cp makes, on paths the caller has already resolved inside the root.</summary>
internal static unsafe class FileOps
{
    public const uint TypeMask = 0xF000, Directory = 0x4000, Regular = 0x8000, Symlink = 0xA000, Socket = 0xC000;

    /// <summary>lstat; null when the path does not exist (ENOENT, ENOTDIR). Other failures throw.</summary>
    public static FileMeta? Lstat(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (Libc.lstat(path, buffer) < 0)
        {
            int errno = Sys.LastErrno;
            if (errno is Consts.ENOENT or Consts.ENOTDIR)
            {
                return null;
            }
            throw new TetherException($"lstat {path}: {Sys.Describe(errno)}", errno);
        }
        // struct stat on x86_64: st_ino 8, st_mode 24, st_uid 28, st_gid 32, st_size 48, st_mtim 88, st_ctim 104.
        uint mode = *(uint*)(buffer + 24);
        long mtime = *(long*)(buffer + 88) * 1_000_000_000 + *(long*)(buffer + 96);
        long ctime = *(long*)(buffer + 104) * 1_000_000_000 + *(long*)(buffer + 112);
        string? link = (mode & TypeMask) == Symlink ? new FileInfo(path).LinkTarget : null;
        return new FileMeta(mode, *(uint*)(buffer + 28), *(uint*)(buffer + 32), *(long*)(buffer + 48), *(long*)(buffer + 8), mtime, ctime, link);
    }

    public static bool IsDirectory(FileMeta? meta) => meta is { } m && (m.Mode & TypeMask) == Directory;

    /// <summary>The target of a symlink, or null when the path is not one.</summary>
    public static string? ReadLink(string path) =>
        Lstat(path) is { } meta && (meta.Mode & TypeMask) == Symlink ? meta.LinkTarget : null;

    public static IReadOnlyList<string> List(string directory) =>
        System.IO.Directory.EnumerateFileSystemEntries(directory).Select(p => Path.GetFileName(p)).ToList();

    public static void RemoveTree(string path)
    {
        if (Lstat(path) is not { } meta)
        {
            return;
        }
        if ((meta.Mode & TypeMask) == Directory)
        {
            // Recursive delete unlinks symlinks inside rather than following them.
            System.IO.Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    public static void SetTime(string path, DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTime.UnixEpoch.Ticks;
        var stamp = new Timespec { Seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest), Nanoseconds = rest * 100 };
        if (stamp.Nanoseconds < 0)
        {
            stamp.Seconds--;
            stamp.Nanoseconds += 1_000_000_000;
        }
        SetTime(path, stamp);
    }

    public static void SetTime(string path, Timespec stamp)
    {
        Timespec* times = stackalloc Timespec[2];
        times[0] = stamp;
        times[1] = stamp;
        Sys.Check(Libc.utimensat(Consts.AT_FDCWD, path, times, Consts.AT_SYMLINK_NOFOLLOW), $"set times of {path}");
    }

    /// <summary>The modification time of a path as a timespec (to put it back after a change).</summary>
    public static Timespec? ModificationTime(string path) =>
        Lstat(path) is { } meta ? new Timespec { Seconds = meta.MtimeNanos / 1_000_000_000, Nanoseconds = meta.MtimeNanos % 1_000_000_000 } : null;
}

/// <summary>An <see cref="IFileTree"/> on a mounted directory.</summary>
internal sealed class DiskTree(string root) : IFileTree
{
    public string Root { get; } = root;

    public string Full(string relative) => relative.Length == 0 ? Root : $"{Root.TrimEnd('/')}/{relative}";

    public FileMeta? Lstat(string relative) => FileOps.Lstat(Full(relative));

    public IReadOnlyList<string> List(string relative) => FileOps.List(Full(relative));
}
