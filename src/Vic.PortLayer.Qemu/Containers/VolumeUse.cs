namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// A volume's disk is an ext4 filesystem the guest kernel caches: two VMs writing it at once would corrupt it, and a
/// reader beside a writer would see torn data. So a volume is attached to running VMs either read-only by all of
/// them or to one VM only. (QEMU's image locking would also refuse the second writer, with a less helpful message.)
/// Volumes of a shared store are directories every VM mounts through the host's own filesystem: no limit applies.
/// A Files VM (docker cp of a stopped container) holds its container's volume disks too, as a <see cref="Loan"/>.
/// </summary>
internal static class VolumeUse
{
    /// <summary>A volume disk attached to the Files VM of a stopped container.</summary>
    public readonly record struct Loan(string ContainerId, bool Writes);

    /// <summary>
    /// Throws Conflict naming the running container, or the stopped one whose files are being copied, that holds a
    /// volume <paramref name="starting"/> needs.
    /// </summary>
    public static void CheckFree(ContainerEntry starting, IEnumerable<ContainerEntry> all, Func<string, bool> isShared, IReadOnlyDictionary<string, Loan> lent)
    {
        var mine = Volumes(starting.Record.Spec);
        foreach (string name in mine.Keys.Where(isShared).ToList())
            mine.Remove(name);
        if (mine.Count == 0)
            return;
        foreach (var (name, iWrite) in mine)
        {
            if (lent.TryGetValue(name, out Loan loan) && loan.ContainerId != starting.Id && (iWrite || loan.Writes))
                throw new ConflictException(
                    $"volume {name} is in use by a file copy into or out of container {loan.ContainerId[..12]}: try again when it ends");
        }
        foreach (ContainerEntry other in all)
        {
            if (other == starting || other.Removed || !other.IsRunning)
                continue;
            foreach (var (name, theyWrite) in Volumes(other.Record.Spec))
            {
                if (mine.TryGetValue(name, out bool iWrite) && (iWrite || theyWrite))
                    throw new ConflictException(
                        $"volume {name} is in use by running container {other.Id[..12]} ({other.Record.Spec.Name}): a volume can be attached to one running containerVM at a time unless every container mounts it read-only");
            }
        }
    }

    /// <summary>Volume name → whether any mount of it writes.</summary>
    public static Dictionary<string, bool> Volumes(ContainerSpec spec)
    {
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (MountSpec m in spec.Mounts)
        {
            if (m.Kind == MountKind.Volume)
                result[m.Source] = (result.TryGetValue(m.Source, out bool w) && w) || !m.ReadOnly;
        }
        return result;
    }
}
