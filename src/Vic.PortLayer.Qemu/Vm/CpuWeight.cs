using System.Globalization;
using System.Runtime.InteropServices;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// A containerVM's CPU weight (docker --cpu-shares) as its QEMU process's nice value. The Linux scheduler gives a
/// runnable thread CPU in proportion to its load weight, and a nice value IS a load weight (the kernel's
/// sched_prio_to_weight table: nice 0 = 1024, each step about 1.25×). cgroup cpu.shares are counted in the same unit,
/// which is why dockerd's default of 1024 shares is "an ordinary process": so --cpu-shares N maps to the nice value
/// whose weight is nearest N (by ratio), and a VM with 512 shares gets about half the CPU of a default one when they
/// compete, as a container with 512 shares would under dockerd. A cgroup would be closer still, but a VCH does not own
/// a cgroup of the host without changing the host's cgroup configuration (on cgroup v1 hosts, nor the controllers to
/// delegate); a nice value needs nothing but the process. The weight is relative to every process of the host at
/// nice 0, not only to other VMs, and only matters when CPUs are contended: it never caps a VM.
/// </summary>
internal static partial class CpuWeight
{
    /// <summary>dockerd's (and the kernel's) bounds for cpu.shares.</summary>
    public const long MinShares = 2, MaxShares = 262144;

    /// <summary>The kernel's load weight of nice -20 … 19.</summary>
    private static readonly int[] Weights =
    [
        88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
        9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
        1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
        110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
    ];

    /// <summary>The nice value for <paramref name="shares"/>: 0 for the default (0, unset); otherwise the nice whose
    /// load weight is nearest by ratio, shares clamped to the kernel's 2…262144 first.</summary>
    public static int NiceFor(long shares)
    {
        if (shares == 0)
            return 0;
        double wanted = Math.Log(Math.Clamp(shares, MinShares, MaxShares));
        int best = 0;
        for (int i = 1; i < Weights.Length; i++)
        {
            if (Math.Abs(Math.Log(Weights[i]) - wanted) < Math.Abs(Math.Log(Weights[best]) - wanted))
                best = i;
        }
        return best - 20;
    }

    /// <summary>
    /// Sets every thread of the QEMU process <paramref name="pid"/> to the nice value of <paramref name="shares"/>.
    /// Each thread has its own nice value on Linux, and a thread QEMU starts later inherits its creator's, so all the
    /// threads there now (vCPUs, I/O, main loop) are set. Throws Internal when the kernel refuses (a weight above the
    /// default needs CAP_SYS_NICE).
    /// </summary>
    public static void Apply(int pid, long shares)
    {
        if (pid <= 0)
            return;
        int nice = NiceFor(shares);
        string tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
            return; // ended meanwhile: its next start applies the weight
        foreach (string task in Directory.EnumerateDirectories(tasks))
        {
            if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid))
                continue;
            if (SetPriority(PrioProcess, tid, nice) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Esrch)
                    continue; // that thread ended
                throw new InternalException($"cannot set the containerVM's CPU weight (--cpu-shares {shares}, nice {nice}): {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    /// <summary>The nice value of a process's main thread, from /proc (field 19 of stat), or null when it is gone.</summary>
    public static int? ReadNice(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces; fields are counted after its ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], CultureInfo.InvariantCulture);
    }

    private const int PrioProcess = 0, Esrch = 3;

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int prio);
}
