namespace Vic.PortLayer.Qemu.Containers;

/// <summary>Host directories of bind mounts, checked (and for docker -v, created) with dockerd's wording.</summary>
internal static class BindSources
{
    public static void Prepare(ContainerSpec spec)
    {
        foreach (MountSpec m in spec.Mounts)
        {
            if (m.Kind != MountKind.Bind)
                continue;
            if (!Path.IsPathFullyQualified(m.Source))
                throw new InvalidArgumentException($"invalid mount config for type \"bind\": invalid mount path: '{m.Source}' mount path must be absolute");
            // virtiofsd takes its options comma-separated; a comma in the path cannot be passed to it.
            if (m.Source.Contains(','))
                throw new InvalidArgumentException($"invalid mount config for type \"bind\": bind source path {m.Source} contains a comma, which this VCH cannot share");
            if (Directory.Exists(m.Source))
                continue;
            if (File.Exists(m.Source))
                throw new InvalidArgumentException($"invalid mount config for type \"bind\": bind source path {m.Source} is a file: only directories can be shared with a containerVM");
            if (!m.CreateMissingSource)
                throw new InvalidArgumentException($"invalid mount config for type \"bind\": bind source path does not exist: {m.Source}");
            Directory.CreateDirectory(m.Source);
        }
    }
}
