using System.Runtime.InteropServices;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// Host-side facts about a VM's QEMU process. QEMU daemonizes, so it is not our child: liveness is read from
/// /proc, and a pid only counts as "our VM" when its command line names the VM's directory (pids are reused).
/// </summary>
internal static partial class VmProcess
{
    /// <summary>True while <paramref name="pid"/> runs and its argv mentions <paramref name="vmDirectory"/>. A zombie
    /// (exited, not yet reaped by whoever inherited it) has an empty cmdline and so counts as gone.</summary>
    public static bool IsAlive(int pid, string vmDirectory)
    {
        if (pid <= 0)
            return false;
        try
        {
            byte[] cmdline = File.ReadAllBytes($"/proc/{pid}/cmdline");
            if (cmdline.Length == 0)
                return false;
            string text = System.Text.Encoding.UTF8.GetString(cmdline).Replace('\0', ' ');
            return text.Contains(vmDirectory + "/", StringComparison.Ordinal);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>Reads the pid QEMU wrote with -pidfile; 0 when absent or unreadable.</summary>
    public static int ReadPidFile(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), out int pid) ? pid : 0;
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }

    /// <summary>SIGKILL, only after checking the pid is still this VM.</summary>
    public static void Kill(int pid, string vmDirectory)
    {
        if (IsAlive(pid, vmDirectory))
            _ = SysKill(pid, 9);
    }

    /// <summary>Waits until the VM's process is gone or <paramref name="timeout"/> passes; true when gone.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, string vmDirectory, TimeSpan timeout, TimeProvider time,
        CancellationToken cancellationToken)
    {
        long start = time.GetTimestamp();
        while (IsAlive(pid, vmDirectory))
        {
            if (time.GetElapsedTime(start) >= timeout)
                return false;
            await Task.Delay(TimeSpan.FromMilliseconds(25), time, cancellationToken);
        }
        return true;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
