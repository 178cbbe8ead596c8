namespace Vic.Tether;

/// <summary>
/// Gathers a terminal's output into whole writes. With ONLCR the pty's line discipline hands the master a line's text
/// and its "\r\n" as two pieces; on a one-vCPU guest the reader is often woken between them, so a client would get
/// "hello" and "\r\n" as two frames where dockerd (whose reader rarely wakes in that gap) sends one. A read that does
/// not end a line therefore waits a moment for the rest before it is sent: output that keeps coming is never held back
/// longer than that, and a prompt or an echoed keystroke is late by at most <see cref="WaitMilliseconds"/>.
/// </summary>
internal static class TerminalCoalescer
{
    /// <summary>How long a piece without its line end waits for more: far longer than the guest needs to write the rest.</summary>
    public const int WaitMilliseconds = 10;

    /// <summary>
    /// Extends <paramref name="buffer"/>[0..<paramref name="filled"/>) while it does not end with '\n', has room, and
    /// <paramref name="moreSoon"/> says more is ready within the wait; <paramref name="read"/> reads into buffer[offset..
    /// offset+count) and returns the bytes read, 0 or less at the end of the stream or on an error (left for the caller's
    /// next read to meet). Returns the bytes now in the buffer.
    /// </summary>
    public static int Gather(byte[] buffer, int filled, Func<bool> moreSoon, Func<int, int, int> read)
    {
        while (filled > 0 && filled < buffer.Length && buffer[filled - 1] != (byte)'\n' && moreSoon())
        {
            int n = read(filled, buffer.Length - filled);
            if (n <= 0)
            {
                break;
            }
            filled += n;
        }
        return filled;
    }
}
