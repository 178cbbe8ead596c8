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
        foreach (NicSpec nic in spec.Nics)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(nic.Mac, "^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"))
                throw new InvalidArgumentException($"invalid MAC address '{nic.Mac}'");
            if (nic.Dhcp)
            {
                // The guest's DHCP client gets the address: none may be given with it.
                if (nic.Address.Length > 0 || nic.Gateway.Length > 0)
                    throw new InvalidArgumentException($"interface {nic.Mac} uses DHCP: it takes no static address or gateway");
                continue;
            }
            string[] parts = nic.Address.Split('/');
            if (parts.Length != 2 || !System.Net.IPAddress.TryParse(parts[0], out var address)
                || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
                || !int.TryParse(parts[1], out int prefix) || prefix is < 1 or > 32)
                throw new InvalidArgumentException($"invalid interface address '{nic.Address}': expected a.b.c.d/prefix");
            if (nic.Gateway.Length > 0 && !System.Net.IPAddress.TryParse(nic.Gateway, out _))
                throw new InvalidArgumentException($"invalid gateway '{nic.Gateway}'");
        }
    }

    public static void ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name))
            throw new InvalidArgumentException($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }

    /// <summary>Targets absolute, below "/" and distinct (dockerd: "Duplicate mount point"); sources given where needed.</summary>
    public static void ValidateMounts(IReadOnlyList<MountSpec> mounts)
    {
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (MountSpec m in mounts)
        {
            string target = m.Target.Length > 1 ? m.Target.TrimEnd('/') : m.Target;
            if (!target.StartsWith('/') || target == "/" || target.Split('/').Contains(".."))
                throw new InvalidArgumentException($"invalid mount config: invalid mount path: '{m.Target}' mount path must be absolute");
            if (!targets.Add(target))
                throw new InvalidArgumentException($"Duplicate mount point: {target}");
            if (m.Kind is MountKind.Volume or MountKind.Bind && m.Source.Length == 0)
                throw new InvalidArgumentException($"invalid mount config for type \"{m.Kind.ToString().ToLowerInvariant()}\": field Source must not be empty");
        }
    }
}
