using System.Text;
using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// Tether diagnostics on /dev/console (init's fd 2, opened by the kernel): enabled by "vic.debug" on the kernel
/// command line, and always for failures that happen before the log port is open. System.Console is avoided
/// on purpose: it installs terminal and signal handling that PID 1 does not want.
/// </summary>
internal sealed unsafe class DebugConsole
{
    public bool Enabled { get; set; } = true;

    public void WriteLine(string message)
    {
        if (!Enabled)
        {
            return;
        }
        // Monotonic seconds since boot, comparable with the kernel's own console timestamps.
        byte[] bytes = Encoding.UTF8.GetBytes($"[{Clock.MonotonicMs() / 1000.0,9:F3}] vic-tether: {message}\n");
        fixed (byte* p = bytes)
        {
            Libc.write(2, p, bytes.Length);
        }
    }
}
