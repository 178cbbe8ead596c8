using System.Globalization;

namespace Vic.PortLayer.Qemu;

/// <summary>The host's CPU count and memory, read once: the limits container specs are checked against.</summary>
internal sealed record HostResources(int Cpus, long MemoryBytes)
{
    public static HostResources Read() => new(Environment.ProcessorCount, ReadMemTotal());

    private static long ReadMemTotal()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    continue;
                string kb = line["MemTotal:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException) { }
        return 0;
    }
}
