using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>
/// dockerd's checks before a copy into a container (PUT /containers/{id}/archive): a destination inside a read-only
/// mount, or outside every mount of a container whose root is read-only (--read-only), is refused with 400 before
/// anything is sent to the VM. The path is taken lexically (dockerd also follows symlinks in the container first).
/// </summary>
internal static class CopyDestination
{
    public static void CheckWritable(ContainerRecord container, string path)
    {
        string absolute = Clean(path);
        // The deepest mount holding the path decides, as a nested mount hides its parent there.
        MountSpec? within = container.Info.Spec.Mounts
            .Where(m => Holds(Clean(m.Target), absolute))
            .MaxBy(m => Clean(m.Target).Length);
        if (within is not null)
        {
            if (within.ReadOnly)
                throw new InvalidArgumentException("mounted volume is marked read-only");
            return;
        }
        if (container.HostConfig.ReadonlyRootfs)
            throw new InvalidArgumentException("container rootfs is marked read-only");
    }

    private static bool Holds(string target, string path) =>
        path == target || target == "/" || path.StartsWith(target + "/", StringComparison.Ordinal);

    /// <summary>An absolute path with "." and ".." resolved and no trailing separator ("/" stays "/").</summary>
    public static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }
}
