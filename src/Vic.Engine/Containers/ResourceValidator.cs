using System.Globalization;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>HostConfig checks dockerd makes at create, with its messages; and what they mean for the VM's size.</summary>
internal static class ResourceValidator
{
    /// <summary>dockerd's minimum on Linux: 6 MiB.</summary>
    public const long MinimumMemory = 6 * 1024 * 1024;

    public static (long MemoryBytes, int Cpus) Validate(HostConfig hc, int hostCpus)
    {
        if (hc.Memory != 0 && hc.Memory < MinimumMemory)
            throw new InvalidArgumentException("Minimum memory limit allowed is 6MB");
        if (hc.NanoCpus > 0 && hc.CpuPeriod > 0)
            throw new InvalidArgumentException("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        if (hc.NanoCpus > 0 && hc.CpuQuota > 0)
            throw new InvalidArgumentException("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        if (hc.NanoCpus < 0 || hc.NanoCpus > hostCpus * 1_000_000_000L)
            throw new InvalidArgumentException($"Range of CPUs is from 0.01 to {hostCpus}.00, as there are only {hostCpus} CPUs available");
        if (hc.OomScoreAdj is < -1000 or > 1000)
            throw new InvalidArgumentException($"Invalid value {hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]");
        if (hc.ShmSize < 0)
            throw new InvalidArgumentException("SHM size can not be less than 0");
        ValidateRestartPolicy(hc);

        int cpus = 0;
        if (hc.NanoCpus > 0)
            cpus = (int)((hc.NanoCpus + 999_999_999L) / 1_000_000_000L);
        else if (hc.CpuQuota > 0)
            cpus = (int)Math.Ceiling(hc.CpuQuota / (double)(hc.CpuPeriod > 0 ? hc.CpuPeriod : 100_000));
        if (!string.IsNullOrEmpty(hc.CpusetCpus))
        {
            var set = ParseCpuList(hc.CpusetCpus)
                ?? throw new InvalidArgumentException($"Invalid value {hc.CpusetCpus} for cpuset cpus: invalid format: {hc.CpusetCpus}");
            if (set.Any(c => c >= hostCpus))
                throw new InvalidArgumentException($"Requested CPUs are not available - requested {hc.CpusetCpus}, available: 0-{hostCpus - 1}");
            cpus = cpus == 0 ? set.Count : Math.Min(cpus, set.Count);
        }
        if (!string.IsNullOrEmpty(hc.CpusetMems) && ParseCpuList(hc.CpusetMems) is null)
            throw new InvalidArgumentException($"Invalid value {hc.CpusetMems} for cpuset mems: invalid format: {hc.CpusetMems}");
        return (hc.Memory, cpus);
    }

    private static void ValidateRestartPolicy(HostConfig hc)
    {
        var policy = hc.RestartPolicy ?? new RestartPolicy();
        if (policy.Name is not ("" or "no" or "always" or "unless-stopped" or "on-failure"))
            throw new InvalidArgumentException(
                $"invalid restart policy: unknown policy '{policy.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        if (policy.MaximumRetryCount < 0)
            throw new InvalidArgumentException("invalid restart policy: maximum retry count cannot be negative");
        if (policy.MaximumRetryCount > 0 && policy.Name != "on-failure")
            throw new InvalidArgumentException("invalid restart policy: maximum retry count can only be used with 'on-failure'");
        if (hc.AutoRemove && policy.Name is not ("" or "no"))
            throw new InvalidArgumentException("can't create 'AutoRemove' container with restart policy");
    }

    /// <summary>Linux list syntax "0-2,4"; null when malformed.</summary>
    public static SortedSet<int>? ParseCpuList(string list)
    {
        var result = new SortedSet<int>();
        foreach (var part in list.Split(','))
        {
            var bounds = part.Split('-');
            if (bounds.Length is < 1 or > 2 || !bounds.All(IsNumber))
                return null;
            int low = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            int high = bounds.Length == 2 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : low;
            if (high < low || high > 4096)
                return null;
            for (int i = low; i <= high; i++)
                result.Add(i);
        }
        return result;
    }

    private static bool IsNumber(string s) => s.Length is > 0 and < 6 && s.All(char.IsAsciiDigit);
}
