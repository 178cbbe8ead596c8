using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Copies one output fd (a pipe's read end or the pty master) to a sink (the log port for the main process, the
/// control port for an exec session) as records of one kind, on its own thread, until EOF (every writer closed)
/// or EIO (pty slave gone).
/// </summary>
internal sealed unsafe class OutputPump
{
    private readonly int _fd;
    private readonly LogRecordKind _kind;
    private readonly IOutputSink _sink;
    private readonly bool _closeAtEnd;
    private readonly bool _terminal;
    private readonly Thread _thread;
    private readonly byte[] _buffer = new byte[32 * 1024];
    private readonly Func<bool> _moreSoon;
    private readonly Func<int, int, int> _readMore;

    /// <param name="terminal">
    /// A pty master: false to close at the end (the stdin writer shares it), and its pieces of a line are gathered
    /// (<see cref="TerminalCoalescer"/>).
    /// </param>
    public OutputPump(int fd, LogRecordKind kind, IOutputSink sink, bool terminal = false)
    {
        _closeAtEnd = !terminal;
        _terminal = terminal;
        _moreSoon = MoreSoon;
        _readMore = ReadMore;
        _fd = fd;
        _kind = kind;
        _sink = sink;
        _thread = new Thread(Run) { IsBackground = true, Name = $"pump-{kind}" };
        _thread.Start();
    }

    /// <summary>Waits for the pump to reach the end of its stream; false on timeout.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private bool MoreSoon()
    {
        var pfd = new PollFd { Fd = _fd, Events = NetConsts.POLLIN };
        return Libc.poll(&pfd, 1, TerminalCoalescer.WaitMilliseconds) > 0;
    }

    private int ReadMore(int offset, int count)
    {
        fixed (byte* p = _buffer)
        {
            return (int)Libc.read(_fd, p + offset, count);
        }
    }

    private void Run()
    {
        var buffer = _buffer;
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.read(_fd, p, buffer.Length);
                if (n > 0)
                {
                    int length = _terminal ? TerminalCoalescer.Gather(buffer, (int)n, _moreSoon, _readMore) : (int)n;
                    _sink.Write(_kind, buffer.AsSpan(0, length));
                    continue;
                }
                if (n < 0 && Sys.LastErrno == Consts.EINTR)
                {
                    continue;
                }
                break;
            }
        }
        if (_closeAtEnd)
        {
            Libc.close(_fd);
        }
    }
}

/// <summary>Where a pump delivers output: stdout or stderr records.</summary>
internal interface IOutputSink
{
    void Write(LogRecordKind kind, ReadOnlySpan<byte> payload);
}
