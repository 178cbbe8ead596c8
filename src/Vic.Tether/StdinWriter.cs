using System.Collections.Concurrent;
using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// Feeds the process's stdin from its own thread, so a process that does not read never stalls the control
/// channel (and with it signals and resizes).
/// </summary>
internal sealed unsafe class StdinWriter
{
    private readonly BlockingCollection<byte[]?> _queue = new(new ConcurrentQueue<byte[]?>());
    private readonly int _fd;
    private readonly bool _isTerminal;

    public StdinWriter(int fd, bool isTerminal)
    {
        _fd = fd;
        _isTerminal = isTerminal;
        new Thread(Run) { IsBackground = true, Name = "stdin" }.Start();
    }

    public void Write(byte[] data) => _queue.TryAdd(data);

    /// <summary>EOF for the process: the pipe is closed; on a terminal, EOT (^D) is typed instead.</summary>
    public void Close() => _queue.TryAdd(null);

    /// <summary>The process is gone: end the thread, closing a pipe still open (a terminal's master is not ours).</summary>
    public void Stop() => _queue.CompleteAdding();

    private void Run()
    {
        foreach (byte[]? data in _queue.GetConsumingEnumerable())
        {
            // Stop() may have arrived behind pending input: the process is gone, so nothing more is written.
            if (_queue.IsAddingCompleted)
            {
                break;
            }
            if (data is null)
            {
                if (_isTerminal)
                {
                    WriteAll([0x04]);
                    continue;
                }
                Libc.close(_fd);
                return;
            }
            if (!WriteAll(data))
            {
                // The reader is gone (EPIPE); drop further input.
                Libc.close(_fd);
                return;
            }
        }
        if (!_isTerminal)
        {
            Libc.close(_fd);
        }
    }

    private bool WriteAll(byte[] data)
    {
        fixed (byte* p = data)
        {
            int offset = 0;
            while (offset < data.Length)
            {
                nint n = Libc.write(_fd, p + offset, data.Length - offset);
                if (n < 0)
                {
                    if (Sys.LastErrno == Consts.EINTR)
                    {
                        continue;
                    }
                    return false;
                }
                offset += (int)n;
            }
        }
        return true;
    }
}
