using System.Globalization;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>One disk as the guest sees it: the n-th entry is /dev/vd(a+n). <paramref name="ForceShare"/> (read-only
/// disks only) opens an image another QEMU holds for writing: a running container's disk, frozen by its tether.</summary>
internal sealed record VmDisk(string Path, string Format, bool ReadOnly, bool ForceShare = false);

/// <summary>One virtio NIC backed by a host tap device (created by the caller); the guest finds it by <paramref name="Mac"/>.</summary>
internal sealed record VmNic(string Mac, string TapName);

/// <summary>A host directory served by virtiofsd on <paramref name="Socket"/> (relative to the VM directory); the
/// guest mounts it by <paramref name="Tag"/>.</summary>
internal sealed record VmShare(string Socket, string Tag);

/// <summary>Everything that varies between containerVM launches; <see cref="QemuCommand.Build"/> turns it into argv.</summary>
internal sealed record VmLaunch
{
    /// <summary>Absolute directory of the VM (container dir or layer work dir); its path appears in argv, which is
    /// how a restarted VCH recognises its VMs in /proc/&lt;pid&gt;/cmdline.</summary>
    public required string Directory { get; init; }
    public required string Name { get; init; }
    public required string Kernel { get; init; }
    public required string Initramfs { get; init; }
    public required long MemoryMiB { get; init; }
    public required int Cpus { get; init; }
    /// <summary>"kvm" or "tcg".</summary>
    public required string Accelerator { get; init; }
    public int TcgTranslationCacheMiB { get; init; } = 16;
    /// <summary>Host TSC rate for the guest kernel (0: let it calibrate).</summary>
    public long TscKhz { get; init; }
    public required IReadOnlyList<VmDisk> Disks { get; init; }
    /// <summary>The VM's NICs; the tether finds each by its MAC, so their order does not name them.</summary>
    public IReadOnlyList<VmNic> Nics { get; init; } = [];
    /// <summary>Network namespace QEMU must run in to open the taps of <see cref="Nics"/>; null for none.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Shared host directories (bind mounts) as vhost-user-fs devices.</summary>
    public IReadOnlyList<VmShare> Shares { get; init; } = [];
    /// <summary>Fork into the background with a pid file (containers); false for VMs the caller waits on (ApplyLayer).</summary>
    public bool Daemonize { get; init; } = true;
    /// <summary>Offer the vic.control port and the QMP socket (container VMs).</summary>
    public bool Interactive { get; init; } = true;

    /// <summary>The transfer disk (a raw file, see TransferDiskFile), given after every other disk; null for none.</summary>
    public string? TransferDisk { get; init; }
}

/// <summary>
/// Builds QEMU's argv for a microvm containerVM. Pure: no I/O, so it is unit-tested on its own.
/// Sockets are given relative to the VM directory (QEMU runs with that as its working directory) because a
/// unix socket path is limited to 107 bytes and datastore paths can be longer.
/// </summary>
internal static class QemuCommand
{
    /// <summary>Kernel command line. tsc=reliable and no_timer_check avoid a TSC calibration hang under TCG;
    /// panic=-1 plus -no-reboot turns a guest panic into QEMU exiting.</summary>
    public const string KernelAppend = "console=ttyS0 panic=-1 tsc=reliable no_timer_check quiet";

    /// <summary>The command line with the host TSC rate, when known (see <see cref="HostTsc"/>).</summary>
    public static string Append(long tscKhz) =>
        tscKhz > 0 ? $"{KernelAppend} tsc_early_khz={tscKhz.ToString(CultureInfo.InvariantCulture)}" : KernelAppend;

    /// <summary>
    /// The guest CPU model. Under TCG, ERMS/FSRM are hidden: with them the guest kernel copies and clears memory with
    /// <c>rep movsb</c>/<c>rep stosb</c>, which TCG emulates a byte per loop turn; without them it uses 8-byte string
    /// operations. Measured here (bare microvm, Debian 6.1 cloud kernel): reading /dev/zero 2.3x, tmpfs reads 4.8x and
    /// ext4 writes to a virtio disk 1.7x faster. Under KVM the instructions run natively and stay on.
    /// </summary>
    public static string CpuModel(string accelerator) => accelerator == "kvm" ? "max" : "max,erms=off,fsrm=off";

    public static IReadOnlyList<string> Build(VmLaunch vm)
    {
        string dir = vm.Directory;
        var a = new List<string>
        {
            "-name", $"{vm.Name},process={vm.Name}",
            // No default devices and no user config: the VM has exactly what is listed here.
            "-nodefaults", "-no-user-config",
            // Guest RAM from a memfd: QEMU marks anonymous guest RAM for transparent huge pages, which makes a
            // guest that touches 90 MiB cost 200 MiB of host memory; shmem is not huge-paged by default.
            "-machine", "microvm,isa-serial=on,rtc=on,memory-backend=mem",
            "-object", $"memory-backend-memfd,id=mem,size={vm.MemoryMiB}M",
            "-m", $"{vm.MemoryMiB}M",
            "-smp", vm.Cpus.ToString(CultureInfo.InvariantCulture),
            "-accel", vm.Accelerator == "kvm" ? "kvm" : $"tcg,tb-size={vm.TcgTranslationCacheMiB}",
            // "max" offers RDRAND, so the guest's entropy pool is ready at once; with the default model the
            // tether's and the container's first getrandom() wait a second or more under TCG.
            "-cpu", CpuModel(vm.Accelerator),
            "-display", "none",
            "-no-reboot",
            "-kernel", vm.Kernel,
            "-initrd", vm.Initramfs,
            "-append", Append(vm.TscKhz),
            "-chardev", $"file,id=console,path={Escape(Path.Combine(dir, Storage.DatastoreLayout.ConsoleLogFile))}",
            "-serial", "chardev:console",
            "-fw_cfg", $"name={Channels.SpecFwCfgName},file={Escape(Path.Combine(dir, Storage.DatastoreLayout.SpecFile))}",
        };
        if (vm.Daemonize)
            a.AddRange(["-daemonize", "-pidfile", Path.Combine(dir, Storage.DatastoreLayout.PidFile)]);
        if (vm.Interactive)
            a.AddRange(["-qmp", $"unix:{Storage.DatastoreLayout.QmpSocketFile},server=on,wait=off"]);

        // virtio-mmio devices enumerate in command-line order, so the first disk is /dev/vda (verified by test).
        for (int i = 0; i < vm.Disks.Count; i++)
        {
            VmDisk disk = vm.Disks[i];
            string drive = $"id=disk{i},file={Escape(disk.Path)},format={disk.Format},if=none" + (disk.ReadOnly ? ",readonly=on" : "")
                + (disk.ReadOnly && disk.ForceShare ? ",force-share=on" : "");
            a.AddRange(["-drive", drive, "-device", $"virtio-blk-device,drive=disk{i}"]);
        }

        // Last of the disks, so it never shifts the letters of the root disk and volumes. Through the host's page cache
        // (cache=writeback, QEMU's default), so what the VCH writes into the file is what the guest reads, and back.
        if (vm.TransferDisk is { } transfer)
            a.AddRange(["-drive", $"id=xfer,file={Escape(transfer)},format=raw,if=none,cache=writeback", "-device", "virtio-blk-device,drive=xfer"]);

        // vhost-user-fs needs guest RAM the daemon can map: the memfd backend above is shared (share=on is its default).
        // virtiofsd (libvhost-user) refuses legacy virtio, microvm's default transport: VMs with shares use virtio 1.0.
        if (vm.Shares.Count > 0)
            a.AddRange(["-global", "virtio-mmio.force-legacy=false"]);
        for (int i = 0; i < vm.Shares.Count; i++)
        {
            VmShare share = vm.Shares[i];
            a.AddRange(["-chardev", $"socket,id=fs{i},path={Escape(share.Socket)}",
                "-device", $"vhost-user-fs-device,chardev=fs{i},tag={Escape(share.Tag)}"]);
        }

        // script=no: the caller creates and bridges the taps; QEMU only opens them (and must not run ifup scripts as root).
        for (int i = 0; i < vm.Nics.Count; i++)
        {
            VmNic nic = vm.Nics[i];
            a.AddRange(["-netdev", $"tap,id=n{i},ifname={Escape(nic.TapName)},script=no,downscript=no",
                "-device", $"virtio-net-device,netdev=n{i},mac={nic.Mac}"]);
        }

        // Free page reporting: the guest hands back pages it frees (in 2 MiB blocks) and QEMU discards them, so an
        // idle VM costs the host what its guest uses now, not the peak it reached while booting.
        a.AddRange(["-device", "virtio-balloon-device,free-page-reporting=on"]);

        a.AddRange(
        [
            "-device", "virtio-serial-device",
            // append=on: the log is the container's durable output across runs (DESIGN: container logging).
            "-chardev", $"file,id=vlog,path={Escape(Path.Combine(dir, Storage.DatastoreLayout.OutputLogFile))},append=on",
            "-device", $"virtserialport,chardev=vlog,name={Channels.LogPort}",
        ]);
        if (vm.Interactive)
        {
            a.AddRange(
            [
                "-chardev", $"socket,id=vctl,path={Storage.DatastoreLayout.ControlSocketFile},server=on,wait=off",
                "-device", $"virtserialport,chardev=vctl,name={Channels.ControlPort}",
            ]);
        }
        return a;
    }

    /// <summary>QEMU option values use ',' as separator; a literal comma is written twice.</summary>
    public static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
