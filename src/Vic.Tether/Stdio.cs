using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The process's stdio and the tether's ends of it. Without a TTY: pipes for stdout and stderr, a pipe for
/// stdin when it is open, else /dev/null. With a TTY: one pty whose master carries input and output.
/// All fds are CLOEXEC; the child's dup2 onto 0-2 makes its copies survive exec.
/// </summary>
internal sealed unsafe class Stdio
{
    public int ChildStdin { get; private init; } = -1;
    public int ChildStdout { get; private init; } = -1;
    public int ChildStderr { get; private init; } = -1;
    public string? TerminalPath { get; private init; }

    /// <summary>pty master, or -1.</summary>
    public int TerminalMaster { get; private init; } = -1;

    /// <summary>Where stdin frames go (pipe write end or pty master), or -1 when stdin is closed.</summary>
    public int StdinTarget { get; private init; } = -1;

    private int _stdoutRead = -1;
    private int _stderrRead = -1;

    public static Stdio Create(ProcessSpec process)
    {
        if (process.Tty)
        {
            (int master, string slave) = Pty.Open(process.Rows, process.Columns);
            return new Stdio { TerminalPath = slave, TerminalMaster = master, StdinTarget = process.OpenStdin ? master : -1 };
        }
        (int outRead, int outWrite) = Pipe();
        (int errRead, int errWrite) = Pipe();
        int childIn;
        int stdinTarget = -1;
        if (process.OpenStdin)
        {
            (childIn, stdinTarget) = Pipe();
        }
        else
        {
            childIn = Sys.Check(Libc.open("/dev/null", Consts.O_RDONLY | Consts.O_CLOEXEC, 0), "open /dev/null");
        }
        return new Stdio
        {
            ChildStdin = childIn, ChildStdout = outWrite, ChildStderr = errWrite, StdinTarget = stdinTarget,
            _stdoutRead = outRead, _stderrRead = errRead,
        };
    }

    /// <summary>After the fork: the parent must not hold the child's ends, or the pipes never reach EOF.</summary>
    public void CloseChildEnds()
    {
        foreach (int fd in (int[])[ChildStdin, ChildStdout, ChildStderr])
        {
            if (fd >= 0)
            {
                Libc.close(fd);
            }
        }
    }

    /// <summary>When the launch failed: nothing will read or write the tether's ends.</summary>
    public void CloseParentEnds()
    {
        foreach (int fd in (int[])[_stdoutRead, _stderrRead, StdinTarget == TerminalMaster ? -1 : StdinTarget, TerminalMaster])
        {
            if (fd >= 0)
            {
                Libc.close(fd);
            }
        }
    }

    public List<OutputPump> StartPumps(IOutputSink sink) => TerminalMaster >= 0
        ? [new OutputPump(TerminalMaster, LogRecordKind.Stdout, sink, terminal: true)]
        : [new OutputPump(_stdoutRead, LogRecordKind.Stdout, sink), new OutputPump(_stderrRead, LogRecordKind.Stderr, sink)];

    private static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Sys.Check(Libc.pipe2(fds, Consts.O_CLOEXEC), "pipe");
        return (fds[0], fds[1]);
    }
}
