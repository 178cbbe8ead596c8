using System.Text.RegularExpressions;
using Vic.PortLayer.VSphere.Storage;

namespace Vic.PortLayer.VSphere.Containers;

/// <summary>Checks a spec before anything is made in vSphere, with dockerd's wording where dockerd has the same check.</summary>
internal static partial class ContainerSpecChecks
{
    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")]
    private static partial Regex MacPattern();

    public static void Validate(ContainerSpec spec)
    {
        if (!LayerIds.IsHex64(spec.Id))
            throw new InvalidArgumentException($"invalid container ID '{spec.Id}': expected 64 lowercase hex characters");
        ValidateName(spec.Name);
        if (spec.ImageLayerId is not null)
            LayerIds.ToHex(spec.ImageLayerId);
        if (spec.Process.Args.Count == 0 || spec.Process.Args[0].Length == 0)
            throw new InvalidArgumentException("No command specified");
        ValidateResources(spec);
        if (spec.StopSignal is < 1 or > 64)
            throw new InvalidArgumentException($"Invalid signal: {spec.StopSignal}");
        foreach (var nic in spec.Nics)
        {
            if (!MacPattern().IsMatch(nic.Mac))
                throw new InvalidArgumentException($"invalid MAC address '{nic.Mac}'");
        }
        if (spec.Mounts.Count > 0)
            throw new NotSupportedByBackendException(
                $"volumes, bind mounts and tmpfs mounts are not implemented by the vsphere backend yet ({spec.Mounts[0].Kind.ToString().ToLowerInvariant()} at {spec.Mounts[0].Target})");
    }

    public static void ValidateResources(ContainerSpec spec)
    {
        if (spec.MemoryBytes < 0 || (spec.MemoryBytes > 0 && spec.MemoryBytes < VSphereBackendOptions.MinimumMemoryBytes))
            throw new InvalidArgumentException(
                $"Minimum memory limit allowed is {VSphereBackendOptions.MinimumMemoryBytes / (1024 * 1024)}MB: a containerVM runs its own kernel");
        if (spec.Cpus < 0)
            throw new InvalidArgumentException("invalid CPU count: must not be negative");
        if (spec.Restart.MaximumRetryCount < 0)
            throw new InvalidArgumentException("invalid restart policy: maximum retry count cannot be negative");
    }

    public static void ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name))
            throw new InvalidArgumentException($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }

    public static string NameInUse(string name, string id) =>
        $"Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.";
}
