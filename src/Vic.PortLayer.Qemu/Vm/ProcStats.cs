using System.Globalization;
using System.Runtime.InteropServices;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// What the host kernel knows about a VM's QEMU process, read from /proc. The parsers are pure (text in, numbers
/// out) so they are unit-tested on their own; the readers return null when the process is gone.
/// </summary>
internal static partial class ProcStats
{
    private static readonly ulong NsPerTick = 1_000_000_000UL / (ulong)ClockTicks();

    /// <summary>utime and stime of a process in nanoseconds, from the text of /proc/&lt;pid&gt;/stat.</summary>
    public static (ulong UserNs, ulong KernelNs)? ParseProcessCpu(string stat)
    {
        // The command name (field 2) is in parentheses and may hold spaces or ')': fields are counted after the last ')'.
        int close = stat.LastIndexOf(')');
        if (close < 0)
            return null;
        string[] f = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // f[0] is field 3 (state); utime and stime are fields 14 and 15.
        if (f.Length < 13 || !ulong.TryParse(f[11], CultureInfo.InvariantCulture, out ulong utime)
            || !ulong.TryParse(f[12], CultureInfo.InvariantCulture, out ulong stime))
            return null;
        return (utime * NsPerTick, stime * NsPerTick);
    }

    /// <summary>All CPU time of the host in nanoseconds and the number of CPUs, from the text of /proc/stat.</summary>
    public static (ulong TotalNs, int Cpus) ParseHostCpu(string procStat)
    {
        ulong ticks = 0;
        int cpus = 0;
        foreach (string line in procStat.Split('\n'))
        {
            if (line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                // user nice system idle iowait irq softirq steal; guest time is already inside user (as dockerd counts).
                foreach (string v in line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(8))
                    ticks += ulong.TryParse(v, CultureInfo.InvariantCulture, out ulong t) ? t : 0;
            }
            else if (line.StartsWith("cpu", StringComparison.Ordinal) && line.Length > 3 && char.IsAsciiDigit(line[3]))
            {
                cpus++;
            }
        }
        return (ticks * NsPerTick, cpus);
    }

    /// <summary>Resident set size in bytes from the text of /proc/&lt;pid&gt;/status (VmRSS, in kB).</summary>
    public static ulong? ParseResidentBytes(string status)
    {
        foreach (string line in status.Split('\n'))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
                continue;
            string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
            return ulong.TryParse(kb, CultureInfo.InvariantCulture, out ulong v) ? v * 1024 : null;
        }
        return null;
    }

    /// <summary>
    /// Counters of the named interfaces from the text of /proc/&lt;pid&gt;/net/dev (the process's own network
    /// namespace, so taps inside the VCH's namespace are found too). Missing interfaces are left out.
    /// </summary>
    public static Dictionary<string, ulong[]> ParseNetDev(string netDev, IEnumerable<string> names)
    {
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, ulong[]>(StringComparer.Ordinal);
        foreach (string line in netDev.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0)
                continue;
            string name = line[..colon].Trim();
            if (!wanted.Contains(name))
                continue;
            // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs drop ...
            string[] f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 12)
                continue;
            result[name] = f.Select(v => ulong.TryParse(v, CultureInfo.InvariantCulture, out ulong n) ? n : 0).ToArray();
        }
        return result;
    }

    /// <summary>The tap devices a QEMU command line opens ("-netdev tap,...,ifname=NAME,..."), in NIC order.</summary>
    public static IReadOnlyList<string> TapNames(IReadOnlyList<string> argv)
    {
        var taps = new List<string>();
        for (int i = 0; i + 1 < argv.Count; i++)
        {
            if (argv[i] != "-netdev" || !argv[i + 1].StartsWith("tap,", StringComparison.Ordinal))
                continue;
            foreach (string option in argv[i + 1].Split(','))
            {
                if (option.StartsWith("ifname=", StringComparison.Ordinal))
                    taps.Add(option["ifname=".Length..]);
            }
        }
        return taps;
    }

    public static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public static IReadOnlyList<string> ReadArgv(int pid) =>
        TryRead($"/proc/{pid}/cmdline")?.Split('\0', StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static long ClockTicks()
    {
        long ticks = SysConf(ScClkTck);
        return ticks > 0 ? ticks : 100; // USER_HZ is 100 on every Linux architecture we run on
    }

    private const int ScClkTck = 2;

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}
