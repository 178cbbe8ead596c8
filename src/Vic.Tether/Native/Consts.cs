namespace Vic.Tether.Native;

/// <summary>Linux x86_64 constants (asm-generic values where x86_64 uses them).</summary>
internal static class Consts
{
    public const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32, MS_BIND = 4096, MS_MOVE = 8192;

    public const int CLONE_FS = 0x200;
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_NOCTTY = 0x100, O_DIRECT = 0x4000, O_CLOEXEC = 0x80000, O_DIRECTORY = 0x10000, O_PATH = 0x200000;

    public const long SYS_finit_module = 313, SYS_close_range = 436;
    public const long CLOSE_RANGE_CLOEXEC = 4;

    public const ulong TIOCSCTTY = 0x540E, TIOCSWINSZ = 0x5414;

    public const int RB_AUTOBOOT = 0x01234567, RB_POWER_OFF = 0x4321FEDC;

    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;

    public const uint S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFBLK = 0x6000;

    public const int SIG_SETMASK = 2, SIGKILL = 9;

    public const int EINTR = 4, EEXIST = 17, ECHILD = 10, ENOENT = 2, EACCES = 13, EPERM = 1, ENOTDIR = 20, EISDIR = 21, ENOEXEC = 8, EAGAIN = 11;

    /// <summary>glibc's gnu_dev_makedev.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfff) << 8) | (minor & 0xff) | ((ulong)(major & ~0xfffu) << 32) | ((ulong)(minor & ~0xffu) << 12);
}
