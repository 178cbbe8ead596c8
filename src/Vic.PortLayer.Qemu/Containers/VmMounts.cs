using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Vm;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// What a container's mounts become on its VM: one extra disk per volume (after the root disk, so the n-th is
/// /dev/vd(b+n)), one virtio-fs share per bind mount and per shared-store volume, and the tether's mount list in the
/// spec's order.
/// </summary>
internal sealed record VmMounts(IReadOnlyList<VmDisk> Disks, IReadOnlyList<VmShare> Shares, IReadOnlyList<string> ShareSources, IReadOnlyList<MountPointSpec> Mounts)
{
    public static readonly VmMounts None = new([], [], [], []);

    /// <summary>
    /// Socket of the n-th share, relative to the VM directory (QEMU and virtiofsd run there: an absolute path would pass
    /// the 108-byte limit of a socket address). It carries the container's ID because virtiofsd names and locks its pid
    /// file after the socket path as given (/run/virtiofsd/&lt;path&gt;.pid): with one name for all, a second VM with a
    /// bind mount could not start while another one's virtiofsd lived ("Cannot lock pid file").
    /// </summary>
    public static string ShareSocket(string containerId, int index) => $"fs-{containerId}-{index}.sock";

    public static VmMounts Plan(ContainerSpec spec, VolumeStore volumes)
    {
        if (spec.Mounts.Count == 0)
            return None;
        var disks = new List<VmDisk>();
        var deviceOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var readOnlyDevices = new Dictionary<string, bool>(StringComparer.Ordinal);
        var shares = new List<VmShare>();
        var sources = new List<string>();
        var mounts = new List<MountPointSpec>();
        // A virtio-fs share of a host directory; returns the tag the tether mounts it by.
        string Share(string source)
        {
            string tag = $"vicfs{shares.Count}";
            shares.Add(new VmShare(ShareSocket(spec.Id, shares.Count), tag));
            sources.Add(source);
            return tag;
        }
        foreach (MountSpec m in spec.Mounts)
        {
            switch (m.Kind)
            {
                case MountKind.Volume:
                    var (path, shared) = volumes.AttachmentOf(m.Source);
                    if (shared)
                    {
                        // Each mount of a shared volume is a share of its own: virtio-fs tags are cheap, and a read-only
                        // mount beside a writing one needs nothing from the other.
                        mounts.Add(new MountPointSpec { Kind = MountSourceKind.Virtiofs, Source = Share(path), Target = m.Target, ReadOnly = m.ReadOnly, CopyUp = !m.NoCopy });
                        break;
                    }
                    if (!deviceOf.TryGetValue(m.Source, out string? device))
                    {
                        // One disk per volume, read-only only when every mount of it is (the kernel shares the superblock)
                        // and it need not be seeded: a volume no VM has had yet gets its disk read-write even for
                        // read-only mounts, so the tether can copy the image's content in first.
                        var uses = spec.Mounts.Where(o => o.Kind == MountKind.Volume && o.Source == m.Source).ToList();
                        bool readOnly = uses.All(o => o.ReadOnly) && !(uses.Any(o => !o.NoCopy) && volumes.NeverAttached(m.Source));
                        disks.Add(new VmDisk(path, "raw", readOnly));
                        device = $"/dev/vd{(char)('a' + disks.Count)}";
                        deviceOf[m.Source] = device;
                        readOnlyDevices[device] = readOnly;
                    }
                    // CopyUp on a read-only mount means "the disk is writable: seed, then make the mount read-only".
                    mounts.Add(new MountPointSpec { Kind = MountSourceKind.Disk, Source = device, Target = m.Target, ReadOnly = m.ReadOnly, CopyUp = !m.NoCopy && !readOnlyDevices[device] });
                    break;
                case MountKind.Bind:
                    mounts.Add(new MountPointSpec { Kind = MountSourceKind.Virtiofs, Source = Share(m.Source), Target = m.Target, ReadOnly = m.ReadOnly, Flags = m.Flags });
                    break;
                case MountKind.Tmpfs:
                    mounts.Add(new MountPointSpec { Kind = MountSourceKind.Tmpfs, Target = m.Target, ReadOnly = m.ReadOnly, Flags = m.Flags, Options = TmpfsOptions(m) });
                    break;
            }
        }
        return new VmMounts(disks, shares, sources, mounts);
    }

    private static string TmpfsOptions(MountSpec m)
    {
        var options = new List<string>();
        if (m.TmpfsSizeBytes > 0)
            options.Add($"size={m.TmpfsSizeBytes}");
        options.Add($"mode={Convert.ToString(m.TmpfsMode > 0 ? m.TmpfsMode : Convert.ToInt32("1777", 8), 8)}");
        return string.Join(',', options);
    }
}
