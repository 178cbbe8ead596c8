using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>Applies control frames to the running main process: stdin, signals (to the pid only), terminal size.</summary>
internal sealed class ProcessControl(int pid, StdinWriter? stdin, int terminalMaster, LogWriter log) : IControlHandler
{
    public void Stdin(byte[] data) => stdin?.Write(data);

    public void CloseStdin() => stdin?.Close();

    public void Signal(int signal)
    {
        if (signal is <= 0 or > 64 || Libc.kill(pid, signal) < 0)
        {
            log.Tether($"signal {signal} to pid {pid} failed");
        }
    }

    public void Resize(ushort rows, ushort columns)
    {
        if (terminalMaster >= 0)
        {
            Pty.Resize(terminalMaster, rows, columns);
        }
    }
}
