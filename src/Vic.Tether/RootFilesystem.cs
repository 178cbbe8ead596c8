using System.Text;
using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// The container's root: mounting the root disk, the kernel filesystems inside it, and the
/// switch_root into it. The initramfs stays in memory underneath (it is small and the tether runs from it).
/// </summary>
internal static unsafe class RootFilesystem
{
    public const string NewRoot = "/newroot";
    private const string WritableView = "/vic/rwroot";

    /// <summary>
    /// Where the tether writes the files it owns in the container root (/etc/hosts, /etc/hostname, /etc/resolv.conf):
    /// "/" unless the root is read-only (<see cref="KeepWritableRoot"/>).
    /// </summary>
    public static string WritableRoot { get; private set; } = "/";

    /// <summary>Mounts the ext4 root disk at /newroot (read-only for the shared appliance image). Throws with a clear reason.</summary>
    public static void MountRootDisk(string device, bool readOnly = false)
    {
        device = BlockDevices.Resolve(device, TimeSpan.FromSeconds(5));
        if (!Ports.WaitForDevice(device, TimeSpan.FromSeconds(5)))
        {
            throw new TetherException($"root device {device} did not appear");
        }
        Directory.CreateDirectory(NewRoot);
        Sys.Check(Libc.mount(device, NewRoot, "ext4", readOnly ? Consts.MS_RDONLY : 0, null), $"mount root device {device}");
    }

    /// <summary>
    /// For a read-only root (docker run --read-only), before the switch_root: a second, writable mount of the root disk
    /// that only the tether can reach, a bind mount in the initramfs (hidden by the switch_root) held open as a
    /// directory descriptor; the tether writes through /proc/self/fd/N of it. dockerd keeps these files writable the
    /// same way, as bind mounts from outside the read-only root. The descriptor is close-on-exec: no process gets it.
    /// </summary>
    public static void KeepWritableRoot()
    {
        Directory.CreateDirectory(WritableView);
        Sys.Check(Libc.mount(NewRoot, WritableView, null, Consts.MS_BIND, null), "bind the root disk for the tether");
        int fd = Libc.open(WritableView, Consts.O_PATH | Consts.O_DIRECTORY | Consts.O_CLOEXEC, 0);
        Sys.Check(fd, "open the tether's view of the root disk");
        WritableRoot = $"/proc/self/fd/{fd}";
    }

    /// <summary>After the switch_root: the container's root mount becomes read-only (that mount only, not the disk's
    /// filesystem, so <see cref="WritableRoot"/> stays writable).</summary>
    public static void MakeRootReadOnly() =>
        Sys.Check(Libc.mount(null, "/", null, Consts.MS_REMOUNT | Consts.MS_BIND | Consts.MS_RDONLY, null), "make the root filesystem read-only");

    /// <summary>/proc, /sys, /dev, /dev/pts, /dev/shm inside the container root, as a container runtime provides them.</summary>
    public static void MountContainerFilesystems()
    {
        const ulong Hardened = Consts.MS_NOSUID | Consts.MS_NODEV | Consts.MS_NOEXEC;
        Mount("proc", "proc", "proc", Hardened, null);
        Mount("sysfs", "sys", "sysfs", Hardened | Consts.MS_RDONLY, null);
        Mount("devtmpfs", "dev", "devtmpfs", Consts.MS_NOSUID, "mode=0755");
        // A private devpts instance: the container's ptys are numbered from 0 and invisible elsewhere.
        Mount("devpts", "dev/pts", "devpts", Consts.MS_NOSUID | Consts.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        Mount("shm", "dev/shm", "tmpfs", Hardened, "mode=1777,size=65536k");
        string ptmx = Path.Combine(NewRoot, "dev/ptmx");
        if (!File.Exists(ptmx) && !Directory.Exists(ptmx))
        {
            Sys.Check(Libc.symlink("pts/ptmx", ptmx), "create /dev/ptmx");
        }
    }

    /// <summary>Sets the kernel hostname and domain name (the VM is the container's UTS namespace).</summary>
    public static void SetHostname(string hostname, string domainname)
    {
        byte[] host = Encoding.UTF8.GetBytes(hostname);
        fixed (byte* p = host)
        {
            Sys.Check(Libc.sethostname(p, host.Length), "sethostname");
        }
        if (domainname.Length > 0)
        {
            byte[] domain = Encoding.UTF8.GetBytes(domainname);
            fixed (byte* p = domain)
            {
                Sys.Check(Libc.setdomainname(p, domain.Length), "setdomainname");
            }
        }
    }

    /// <summary>switch_root without deleting the initramfs: move /newroot onto / and chroot into it.</summary>
    public static void SwitchRoot()
    {
        Sys.Check(Libc.chdir(NewRoot), "chdir /newroot");
        Sys.Check(Libc.mount(".", "/", null, Consts.MS_MOVE, null), "move the root mount");
        Sys.Check(Libc.chroot("."), "chroot");
        Sys.Check(Libc.chdir("/"), "chdir /");
    }

    private static void Mount(string source, string relativeTarget, string fstype, ulong flags, string? data)
    {
        string target = Path.Combine(NewRoot, relativeTarget);
        if (File.Exists(target) && !Directory.Exists(target))
        {
            throw new TetherException($"cannot mount {fstype} on /{relativeTarget}: not a directory in the image");
        }
        Directory.CreateDirectory(target);
        Sys.Check(Libc.mount(source, target, fstype, flags, data), $"mount {fstype} on /{relativeTarget}");
    }
}
