using System.Runtime.InteropServices;

namespace Vic.Tether.Native;

/// <summary>
/// The libc calls the tether makes. Bound at link time (DirectPInvoke in the csproj): the initramfs has
/// libc.so.6 but no "libc.so" for a runtime lookup. Calls marked [SuppressGCTransition] are the ones the
/// forked child may make (see <see cref="ChildCalls"/>); everything else is for the parent only.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chroot(string path);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chdir(string path);

    /// <summary>With CLONE_FS: the calling thread gets its own root and working directory, so a chroot there leaves
    /// the rest of the tether where it was.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int unshare(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int sethostname(byte* name, nint length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setdomainname(byte* name, nint length);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint pread(int fd, byte* buffer, nint count, long offset);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint pwrite(int fd, byte* buffer, nint count, long offset);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial long syscall(long number, long a1, long a2, long a3);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lstat(string path, byte* statBuffer);

    /// <summary>
    /// fork without a GC transition: the calling thread stays in cooperative mode, so no garbage collection can
    /// be under way while the address space is copied (a child that inherited a half-started GC would hang).
    /// </summary>
    [LibraryImport(Lib, EntryPoint = "fork"), SuppressGCTransition]
    public static partial int child_fork();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int reboot(int command);

    [LibraryImport(Lib)]
    public static partial void sync();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int ioctl(int fd, ulong request, void* argument);

    /// <summary>struct termios is 60 bytes on x86-64 glibc; callers pass a buffer of <see cref="TermiosBytes"/>.</summary>
    public const int TermiosBytes = 64;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int tcgetattr(int fd, byte* termios);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int tcsetattr(int fd, int optionalActions, byte* termios);

    [LibraryImport(Lib)]
    public static partial void cfmakeraw(byte* termios);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int bind(int fd, byte* address, uint length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint sendto(int fd, byte* buffer, nint length, int flags, byte* address, uint addressLength);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nint length, int flags);

    /// <summary>One struct pollfd: int fd, short events, short revents.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int posix_openpt(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int grantpt(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int unlockpt(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int ptsname_r(int fd, byte* buffer, nint length);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lchown(string path, uint uid, uint gid);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mknod(string path, uint mode, ulong device);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdir(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int link(string existing, string newPath);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int symlink(string target, string linkPath);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int utimensat(int dirfd, string path, Timespec* times, int flags);

    [LibraryImport(Lib)]
    public static partial int clock_gettime(int clock, Timespec* time);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int clock_settime(int clock, Timespec* time);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int mprotect(void* address, nuint length, int protection);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int ioperm(nuint from, nuint count, int turnOn);

    // ---- calls the forked child makes: no GC transition, no errno marshalling (both would run managed
    // runtime code in a process whose other threads vanished at fork).

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial int setsid();

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial int dup2(int oldFd, int newFd);

    [LibraryImport(Lib, EntryPoint = "open"), SuppressGCTransition]
    public static partial int child_open(byte* path, int flags, int mode);

    [LibraryImport(Lib, EntryPoint = "ioctl"), SuppressGCTransition]
    public static partial int child_ioctl(int fd, ulong request, nint argument);

    [LibraryImport(Lib, EntryPoint = "syscall"), SuppressGCTransition]
    public static partial long child_syscall(long number, long a1, long a2, long a3);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial int setgroups(nint count, uint* groups);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial int setgid(uint gid);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial int setuid(uint uid);

    [LibraryImport(Lib, EntryPoint = "chdir"), SuppressGCTransition]
    public static partial int child_chdir(byte* path);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial int execve(byte* path, byte** argv, byte** envp);

    [LibraryImport(Lib, EntryPoint = "write"), SuppressGCTransition]
    public static partial nint child_write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial int sigprocmask(int how, byte* set, byte* oldSet);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial nint signal(int signal, nint handler);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial int* __errno_location();

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial void _exit(int status);
}

[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    public long Seconds;
    public long Nanoseconds;
}

[StructLayout(LayoutKind.Sequential)]
internal struct WinSize
{
    public ushort Rows;
    public ushort Columns;
    public ushort XPixels;
    public ushort YPixels;
}
