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
    private readonly Thread _thread;

    /// <param name="closeAtEnd">False for a pty master, which the stdin writer shares.</param>
    public OutputPump(int fd, LogRecordKind kind, IOutputSink sink, bool closeAtEnd = true)
    {
        _closeAtEnd = closeAtEnd;
        _fd = fd;
        _kind = kind;
        _sink = sink;
        _thread = new Thread(Run) { IsBackground = true, Name = $"pump-{kind}" };
        _thread.Start();
    }

    /// <summary>Waits for the pump to reach the end of its stream; false on timeout.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        var buffer = new byte[32 * 1024];
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.read(_fd, p, buffer.Length);
                if (n > 0)
                {
                    _sink.Write(_kind, buffer.AsSpan(0, (int)n));
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
