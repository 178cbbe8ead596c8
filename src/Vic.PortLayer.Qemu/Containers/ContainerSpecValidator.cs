using System.Text.RegularExpressions;
using Vic.PortLayer.Qemu.Storage;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>Checks a spec before anything is made, with dockerd's wording where dockerd has the same check.</summary>
internal static partial class ContainerSpecValidator
{
    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex NamePattern();

    public static void Validate(ContainerSpec spec, long hostMemoryBytes, int hostCpus)
    {
        if (!LayerIds.IsHex64(spec.Id))
            throw new InvalidArgumentException($"invalid container ID '{spec.Id}': expected 64 lowercase hex characters");
        ValidateName(spec.Name);
        if (spec.ImageLayerId is not null)
            LayerIds.ToHex(spec.ImageLayerId);
        if (spec.Process.Args.Count == 0 || spec.Process.Args[0].Length == 0)
            throw new InvalidArgumentException("No command specified");
        if (spec.MemoryBytes < 0 || (spec.MemoryBytes > 0 && spec.MemoryBytes < QemuBackendOptions.MinimumMemoryBytes))
            throw new InvalidArgumentException(
                $"Minimum memory limit allowed is {QemuBackendOptions.MinimumMemoryBytes / (1024 * 1024)}MB: a containerVM runs its own kernel");
        if (hostMemoryBytes > 0 && spec.MemoryBytes > hostMemoryBytes)
            throw new InvalidArgumentException($"memory {spec.MemoryBytes} bytes exceeds the host's {hostMemoryBytes} bytes");
        if (spec.Cpus < 0 || spec.Cpus > hostCpus)
            throw new InvalidArgumentException($"range of CPUs is from 0.01 to {hostCpus}.00, as there are only {hostCpus} CPUs available");
        if (spec.Restart.MaximumRetryCount < 0)
            throw new InvalidArgumentException("invalid restart policy: maximum retry count cannot be negative");
        if (spec.StopSignal is < 1 or > 64)
            throw new InvalidArgumentException($"Invalid signal: {spec.StopSignal}");
    }

    public static void ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name))
            throw new InvalidArgumentException($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
}
