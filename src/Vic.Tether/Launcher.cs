using System.Runtime.InteropServices;
using System.Text;
using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// Starts the container's process with fork + execve. Not System.Diagnostics.Process (no setsid, controlling tty,
/// or credentials in the child) and not posix_spawn (it cannot setgroups/setgid/setuid or acquire a controlling
/// terminal). Everything the child touches is prepared in unmanaged memory before the fork; the child then makes
/// only GC-transition-free libc calls on those pointers and ends in execve or _exit, never returning to managed
/// code that could allocate. Other threads may run (exec sessions are launched while the main process's pumps,
/// the reaper and the control reader work): the fork call does not leave cooperative mode, so no GC can be in
/// progress while the address space is copied, and the child, alone in its copy, never allocates or takes a lock.
/// A CLOEXEC pipe tells the parent whether exec succeeded: EOF means yes, 8 bytes (stage, errno) mean no.
/// </summary>
internal static unsafe class Launcher
{
    public static LaunchResult Launch(LaunchPlan plan, Reaper reaper)
    {
        var arena = new List<nint>();
        try
        {
            byte* path = Utf8(plan.ExecutablePath, arena);
            byte** argv = Utf8Array(plan.Args, arena);
            byte** envp = Utf8Array(plan.Env, arena);
            byte* cwd = Utf8(plan.WorkingDir, arena);
            byte* terminal = plan.TerminalPath is null ? null : Utf8(plan.TerminalPath, arena);
            int groupCount = plan.User.SupplementaryGids.Count;
            uint* groups = (uint*)Alloc(sizeof(uint) * Math.Max(1, groupCount), arena);
            for (int i = 0; i < groupCount; i++)
            {
                groups[i] = plan.User.SupplementaryGids[i];
            }
            byte* emptySignalMask = (byte*)Alloc(128, arena);
            int* report = (int*)Alloc(sizeof(int) * 2, arena);

            int* errorPipe = stackalloc int[2];
            Sys.Check(Libc.pipe2(errorPipe, Consts.O_CLOEXEC), "pipe");

            int pid;
            Task<int>? exited = null;
            lock (reaper.SyncRoot)
            {
                pid = Libc.child_fork();
                if (pid == 0)
                {
                    RunChild(path, argv, envp, cwd, terminal, plan.StdinFd, plan.StdoutFd, plan.StderrFd,
                        plan.User.Uid, plan.User.Gid, groups, groupCount, emptySignalMask, report, errorPipe[1]);
                }
                if (pid > 0)
                {
                    exited = reaper.WatchLocked(pid);
                }
            }
            int forkErrno = *Libc.__errno_location();
            Libc.close(errorPipe[1]);
            if (pid < 0)
            {
                Libc.close(errorPipe[0]);
                return new LaunchResult(0, null, ExecFailure.RuntimeCode, $"fork: {Sys.Describe(forkErrno)}");
            }

            int received = ReadReport(errorPipe[0], report);
            Libc.close(errorPipe[0]);
            if (received < 8)
            {
                return new LaunchResult(pid, exited, 0, null);
            }
            var stage = (ExecFailure.Stage)report[0];
            (int code, string message) = ExecFailure.FromErrno(stage, report[1], Sys.Describe(report[1]), plan.Args[0], plan.WorkingDir);
            return new LaunchResult(pid, null, code, message);
        }
        finally
        {
            foreach (nint block in arena)
            {
                NativeMemory.Free((void*)block);
            }
        }
    }

    // The child side. Only pointer arithmetic and [SuppressGCTransition] libc calls: see the class comment.
    private static void RunChild(byte* path, byte** argv, byte** envp, byte* cwd, byte* terminal, int stdinFd, int stdoutFd, int stderrFd,
        uint uid, uint gid, uint* groups, int groupCount, byte* emptySignalMask, int* report, int errorFd)
    {
        // The runtime blocks or ignores some signals (SIGPIPE); ignored dispositions survive exec, so reset all.
        Libc.sigprocmask(Consts.SIG_SETMASK, emptySignalMask, null);
        for (int signal = 1; signal < 65; signal++)
        {
            Libc.signal(signal, 0 /* SIG_DFL */);
        }
        Libc.setsid();

        int stage = (int)ExecFailure.Stage.Stdio;
        if (terminal != null)
        {
            stage = (int)ExecFailure.Stage.Terminal;
            // Opening the slave as a session leader without a terminal makes it the controlling terminal;
            // TIOCSCTTY says so explicitly.
            int tty = Libc.child_open(terminal, Consts.O_RDWR, 0);
            if (tty < 0 || Libc.child_ioctl(tty, Consts.TIOCSCTTY, 0) < 0)
            {
                Fail(stage, report, errorFd);
            }
            stdinFd = stdoutFd = stderrFd = tty;
        }
        if (Libc.dup2(stdinFd, 0) < 0 || Libc.dup2(stdoutFd, 1) < 0 || Libc.dup2(stderrFd, 2) < 0)
        {
            Fail(stage, report, errorFd);
        }
        // Nothing of the tether's (ports, pipes of other streams) may leak into the container process.
        Libc.child_syscall(Consts.SYS_close_range, 3, uint.MaxValue, Consts.CLOSE_RANGE_CLOEXEC);

        if (Libc.setgroups(groupCount, groups) < 0 || Libc.setgid(gid) < 0 || Libc.setuid(uid) < 0)
        {
            Fail((int)ExecFailure.Stage.Credentials, report, errorFd);
        }
        if (Libc.child_chdir(cwd) < 0)
        {
            Fail((int)ExecFailure.Stage.WorkingDir, report, errorFd);
        }
        Libc.execve(path, argv, envp);
        Fail((int)ExecFailure.Stage.Exec, report, errorFd);
    }

    private static void Fail(int stage, int* report, int errorFd)
    {
        report[0] = stage;
        report[1] = *Libc.__errno_location();
        Libc.child_write(errorFd, (byte*)report, 8);
        Libc._exit(127);
    }

    private static int ReadReport(int fd, int* report)
    {
        int received = 0;
        while (received < 8)
        {
            nint n = Libc.read(fd, (byte*)report + received, 8 - received);
            if (n < 0 && Sys.LastErrno == Consts.EINTR)
            {
                continue;
            }
            if (n <= 0)
            {
                break;
            }
            received += (int)n;
        }
        return received;
    }

    private static void* Alloc(int bytes, List<nint> arena)
    {
        void* block = NativeMemory.AllocZeroed((nuint)bytes);
        arena.Add((nint)block);
        return block;
    }

    private static byte* Utf8(string text, List<nint> arena)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        byte* block = (byte*)Alloc(bytes.Length + 1, arena);
        bytes.CopyTo(new Span<byte>(block, bytes.Length));
        return block;
    }

    private static byte** Utf8Array(IReadOnlyList<string> items, List<nint> arena)
    {
        byte** array = (byte**)Alloc(sizeof(byte*) * (items.Count + 1), arena);
        for (int i = 0; i < items.Count; i++)
        {
            array[i] = Utf8(items[i], arena);
        }
        return array;
    }
}
