using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Mounts the spec's volumes, tmpfs and shared host directories inside /newroot before the switch_root, so the
/// process (and every exec) sees them at their targets. A failure ends the run with 125 before the process starts.
/// </summary>
internal static class ContainerMounts
{
    private const string Staging = "/vic/mnt";
    private static readonly List<string> DiskTargets = [];

    /// <summary>Where volume disks are mounted, as paths inside the container root (valid after the switch_root).</summary>
    public static IReadOnlyList<string> VolumeTargets => DiskTargets;

    public static void MountAll(IReadOnlyList<MountPointSpec> mounts, Action<string> debug)
    {
        // Every target is checked before the first mount, so a bad spec mounts nothing.
        var targets = new List<string>();
        foreach (MountPointSpec m in mounts)
        {
            targets.Add(MountPlan.CleanTarget(m.Target, out string? error) ?? throw new TetherException(error!));
        }
        for (int i = 0; i < mounts.Count; i++)
        {
            MountPointSpec m = mounts[i];
            string target = EnsureTarget(targets[i]);
            switch (m.Kind)
            {
                case MountSourceKind.Disk:
                    MountDisk(m, target, StagingFor(i), debug);
                    break;
                case MountSourceKind.Tmpfs:
                    // Docker's tmpfs defaults: noexec, nosuid, nodev unless the options say otherwise.
                    ulong flags = MountPlan.Flags(m.Flags, MountPlan.NoSuid | MountPlan.NoDev | MountPlan.NoExec) | (m.ReadOnly ? Consts.MS_RDONLY : 0);
                    Sys.Check(Libc.mount("tmpfs", target, "tmpfs", flags, m.Options.Length > 0 ? m.Options : null), $"mount tmpfs on {m.Target}");
                    break;
                case MountSourceKind.Virtiofs when m.CopyUp:
                    // A volume of a shared store: seeded like a disk volume when it is new — even for a read-only
                    // mount, as dockerd seeds a volume before mounting it — then made read-only where asked.
                    Directory.CreateDirectory(StagingFor(i));
                    ulong volumeFlags = MountPlan.Flags(m.Flags, 0);
                    Sys.Check(Libc.mount(m.Source, StagingFor(i), "virtiofs", volumeFlags, null), $"mount shared volume {m.Source} for {m.Target}");
                    SeedAndMove(m with { ReadOnly = false }, target, StagingFor(i), debug);
                    if (m.ReadOnly)
                    {
                        Sys.Check(Libc.mount(null, target, null, Consts.MS_REMOUNT | Consts.MS_BIND | Consts.MS_RDONLY | volumeFlags, null), $"make shared volume on {m.Target} read-only");
                    }
                    break;
                case MountSourceKind.Virtiofs:
                    ulong shareFlags = MountPlan.Flags(m.Flags, 0) | (m.ReadOnly ? Consts.MS_RDONLY : 0);
                    Sys.Check(Libc.mount(m.Source, target, "virtiofs", shareFlags, null), $"mount shared directory {m.Source} on {m.Target}");
                    break;
                default:
                    throw new TetherException($"unknown mount kind {m.Kind} for {m.Target}");
            }
            debug($"mounted {m.Kind} {m.Source} on {m.Target}{(m.ReadOnly ? " (ro)" : "")}");
        }
    }

    /// <summary>
    /// The volume is mounted aside first: when it is new (empty) and <see cref="MountPointSpec.CopyUp"/> is set, the
    /// image's files at the target are copied in (with owners, modes and times, and the target directory's own),
    /// then the mount is moved over the target.
    /// </summary>
    private static void MountDisk(MountPointSpec m, string target, string staging, Action<string> debug)
    {
        if (!Ports.WaitForDevice(m.Source, TimeSpan.FromSeconds(5)))
        {
            throw new TetherException($"volume device {m.Source} for {m.Target} did not appear");
        }
        Directory.CreateDirectory(staging);
        // A read-only mount without CopyUp is a read-only disk: it is mounted read-only and never copied into. With
        // CopyUp the host attached the disk read-write for a first mount: it is seeded like any new volume, then made
        // read-only at its target.
        if (m.ReadOnly && !m.CopyUp)
        {
            // A read-only disk cannot replay a journal a crashed writer left; the data then reads as of its last commit.
            if (Libc.mount(m.Source, staging, "ext4", Consts.MS_RDONLY, null) < 0)
            {
                Sys.Check(Libc.mount(m.Source, staging, "ext4", Consts.MS_RDONLY, "norecovery"), $"mount volume {m.Source} for {m.Target}");
            }
        }
        else
        {
            Sys.Check(Libc.mount(m.Source, staging, "ext4", 0, null), $"mount volume {m.Source} for {m.Target}");
        }
        SeedAndMove(m with { ReadOnly = m.ReadOnly && !m.CopyUp }, target, staging, debug);
        if (!m.ReadOnly)
        {
            DiskTargets.Add(target[RootFilesystem.NewRoot.Length..]);
        }
        else if (m.CopyUp)
        {
            Sys.Check(Libc.mount(null, target, null, Consts.MS_REMOUNT | Consts.MS_BIND | Consts.MS_RDONLY, null), $"make volume on {m.Target} read-only");
        }
    }

    private static string StagingFor(int index) => Path.Combine(Staging, index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// A volume mounted at <paramref name="staging"/>: when it is new (empty) and <see cref="MountPointSpec.CopyUp"/>
    /// is set, the image's files at the target are copied in, then the mount is moved over the target.
    /// </summary>
    private static void SeedAndMove(MountPointSpec m, string target, string staging, Action<string> debug)
    {
        var names = Directory.EnumerateFileSystemEntries(staging).Select(p => Path.GetFileName(p)).ToList();
        if (!m.ReadOnly && MountPlan.LooksFresh(names))
        {
            // mkfs's lost+found is not part of what users put in a volume; e2fsck recreates it when it needs one.
            string lostFound = Path.Combine(staging, "lost+found");
            if (Directory.Exists(lostFound) && !Directory.EnumerateFileSystemEntries(lostFound).Any())
            {
                Directory.Delete(lostFound);
            }
            if (m.CopyUp)
            {
                int copied = TreeCopy.CopyContents(target, staging);
                TreeCopy.CopyAttributes(target, staging);
                debug($"copied {copied} entries of the image's {m.Target} into the new volume");
            }
        }
        Sys.Check(Libc.mount(staging, target, null, Consts.MS_MOVE, null), $"move volume onto {m.Target}");
    }

    /// <summary>
    /// Creates the target under /newroot. Symlinks in the image's path are followed inside the container root
    /// (an absolute link means the container's "/", not the initramfs'), as a runtime resolves mount points.
    /// </summary>
    private static string EnsureTarget(string relative)
    {
        string current = RootFilesystem.NewRoot;
        var pending = new Queue<string>(relative.Split('/'));
        int links = 0;
        while (pending.Count > 0)
        {
            string segment = pending.Dequeue();
            if (segment is "" or ".")
            {
                continue;
            }
            if (segment == "..")
            {
                if (current != RootFilesystem.NewRoot)
                {
                    current = Path.GetDirectoryName(current)!;
                }
                continue;
            }
            string next = Path.Combine(current, segment);
            var info = new FileInfo(next);
            if (info.LinkTarget is { } link)
            {
                if (++links > 40)
                {
                    throw new TetherException($"too many levels of symbolic links below /{relative}");
                }
                var rest = new Queue<string>(link.Split('/').Concat(pending));
                pending = rest;
                if (link.StartsWith('/'))
                {
                    current = RootFilesystem.NewRoot;
                }
                continue;
            }
            if (info.Exists)
            {
                throw new TetherException($"cannot mount on /{relative}: not a directory in the image");
            }
            Directory.CreateDirectory(next);
            current = next;
        }
        return current;
    }
}
