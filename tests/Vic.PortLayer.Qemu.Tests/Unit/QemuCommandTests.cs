using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Tests.Unit;

public sealed class QemuCommandTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static VmLaunch Container(string accel = "tcg") => new()
    {
        Directory = "/ds/containers/abc",
        Name = "vic-abc",
        Kernel = "/base/vmlinuz",
        Initramfs = "/base/initramfs.cpio",
        MemoryMiB = 512,
        Cpus = 2,
        Accelerator = accel,
        TcgTranslationCacheMiB = 32,
        Disks = [new VmDisk("/ds/containers/abc/disk.qcow2", "qcow2", false), new VmDisk("/ds/t,ar", "raw", true)],
    };

    private static string After(IReadOnlyList<string> args, string flag, int nth = 0) =>
        args.Select((a, i) => (a, i)).Where(p => p.a == flag).Skip(nth).Select(p => args[p.i + 1]).First();

    [Fact]
    public void ContainerVmIsDaemonizedWithPidFileQmpAndControlSocket()
    {
        IReadOnlyList<string> args = QemuCommand.Build(Container());
        Assert.Contains("-daemonize", args);
        Assert.Equal("/ds/containers/abc/qemu.pid", After(args, "-pidfile"));
        Assert.Equal("unix:qmp.sock,server=on,wait=off", After(args, "-qmp"));
        Assert.Contains("socket,id=vctl,path=control.sock,server=on,wait=off", args);
        Assert.Contains("virtserialport,chardev=vctl,name=vic.control", args);
        Assert.Contains("file,id=vlog,path=/ds/containers/abc/output.log,append=on", args);
        Assert.Contains("virtserialport,chardev=vlog,name=vic.log", args);
        Assert.Equal("name=opt/vic/spec,file=/ds/containers/abc/spec.json", After(args, "-fw_cfg"));
        Assert.Contains("-no-reboot", args);
        Assert.Contains("-nodefaults", args);
        // Under TCG the guest must not see ERMS/FSRM (rep movsb is emulated a byte at a time); under KVM it may.
        Assert.Equal("max,erms=off,fsrm=off", After(args, "-cpu"));
        Assert.Equal("max", After(QemuCommand.Build(Container("kvm")), "-cpu"));
        Assert.DoesNotContain("-nographic", args); // incompatible with -daemonize
    }

    [Fact]
    public void EveryVmOffersFreePageReporting()
    {
        Assert.Contains("virtio-balloon-device,free-page-reporting=on", QemuCommand.Build(Container()));
        Assert.Contains("virtio-balloon-device,free-page-reporting=on", QemuCommand.Build(Container() with { Daemonize = false, Interactive = false }));
    }

    [Fact]
    public void ResourcesAndAccelerator()
    {
        IReadOnlyList<string> args = QemuCommand.Build(Container());
        Assert.Equal("512M", After(args, "-m"));
        Assert.Equal("memory-backend-memfd,id=mem,size=512M", After(args, "-object"));
        Assert.Equal("2", After(args, "-smp"));
        Assert.Equal("tcg,tb-size=32", After(args, "-accel"));
        Assert.Equal("kvm", After(QemuCommand.Build(Container("kvm")), "-accel"));
        Assert.StartsWith("microvm,", After(args, "-machine"));
        Assert.Contains("tsc=reliable", After(args, "-append"));
    }

    [Fact]
    public void DisksKeepTheirOrderAndCommasAreEscaped()
    {
        IReadOnlyList<string> args = QemuCommand.Build(Container());
        Assert.Equal("id=disk0,file=/ds/containers/abc/disk.qcow2,format=qcow2,if=none", After(args, "-drive", 0));
        Assert.Equal("id=disk1,file=/ds/t,,ar,format=raw,if=none,readonly=on", After(args, "-drive", 1));
        Assert.Equal("virtio-blk-device,drive=disk0", args[args.ToList().IndexOf("-drive") + 3]);
    }

    [Fact]
    public void TheTransferDiskComesAfterEveryOtherDisk()
    {
        IReadOnlyList<string> args = QemuCommand.Build(Container() with { TransferDisk = "/ds/containers/abc/xfer.raw" });
        Assert.Equal("id=xfer,file=/ds/containers/abc/xfer.raw,format=raw,if=none,cache=writeback", After(args, "-drive", 2));
        Assert.Equal("virtio-blk-device,drive=xfer", After(args, "-device", 2));
        Assert.Single(args, a => a.StartsWith("id=xfer", StringComparison.Ordinal));
        Assert.DoesNotContain("virtio-blk-device,drive=xfer", QemuCommand.Build(Container()));
    }

    [Fact]
    public void ForegroundVmHasNoDaemonOrInteractiveParts()
    {
        IReadOnlyList<string> args = QemuCommand.Build(Container() with { Daemonize = false, Interactive = false });
        Assert.DoesNotContain("-daemonize", args);
        Assert.DoesNotContain("-pidfile", args);
        Assert.DoesNotContain("-qmp", args);
        Assert.DoesNotContain(args, a => a.Contains("vic.control", StringComparison.Ordinal));
        Assert.Contains("virtserialport,chardev=vlog,name=vic.log", args);
    }

    [Fact]
    public void GuestIsToldTheHostTscRate()
    {
        Assert.EndsWith(" tsc_early_khz=2096026", After(QemuCommand.Build(Container() with { TscKhz = 2096026 }), "-append"));
        Assert.DoesNotContain("tsc_early_khz", After(QemuCommand.Build(Container()), "-append"));
        // Measured on this host: any x86 TSC runs between 100 MHz and 10 GHz.
        Assert.InRange(HostTsc.KiloHertz, 100_000, 10_000_000);
        string? cpuinfo = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
        output.WriteLine($"measured TSC {HostTsc.KiloHertz} kHz; /proc/cpuinfo says {cpuinfo}");
    }

    [Fact]
    public void NicsBecomeTapNetdevsWithVirtioMmioDevicesCarryingTheirMacs()
    {
        IReadOnlyList<string> args = QemuCommand.Build(Container() with
        {
            Nics = [new VmNic("02:42:ac:11:00:02", "vic-tap0"), new VmNic("02:42:ac:12:00:05", "vic,tap1")],
        });
        Assert.Equal("tap,id=n0,ifname=vic-tap0,script=no,downscript=no", After(args, "-netdev", 0));
        Assert.Equal("tap,id=n1,ifname=vic,,tap1,script=no,downscript=no", After(args, "-netdev", 1));
        Assert.Contains("virtio-net-device,netdev=n0,mac=02:42:ac:11:00:02", args);
        Assert.Contains("virtio-net-device,netdev=n1,mac=02:42:ac:12:00:05", args);
        // Each device follows its own netdev.
        int netdev = args.ToList().IndexOf("tap,id=n1,ifname=vic,,tap1,script=no,downscript=no");
        Assert.Equal("virtio-net-device,netdev=n1,mac=02:42:ac:12:00:05", args[netdev + 2]);
    }

    [Fact]
    public void NoNicsMeansNoNetworkDevices()
    {
        IReadOnlyList<string> args = QemuCommand.Build(Container());
        Assert.DoesNotContain("-netdev", args);
        Assert.DoesNotContain(args, a => a.StartsWith("virtio-net-device", StringComparison.Ordinal));
        Assert.Contains("-nodefaults", args); // so QEMU adds no NIC of its own either
    }

    [Fact]
    public void SharesAreVhostUserFsDevicesOnAModernTransportAndVmsWithoutSharesKeepTheDefault()
    {
        IReadOnlyList<string> plain = QemuCommand.Build(Container());
        Assert.DoesNotContain("virtio-mmio.force-legacy=false", plain);

        IReadOnlyList<string> args = QemuCommand.Build(Container() with { Shares = [new VmShare("fs0.sock", "vicfs0"), new VmShare("fs1.sock", "vicfs1")] });
        Assert.Equal("virtio-mmio.force-legacy=false", After(args, "-global"));
        Assert.Contains("socket,id=fs0,path=fs0.sock", args);
        Assert.Contains("vhost-user-fs-device,chardev=fs1,tag=vicfs1", args);
        // virtiofsd maps guest RAM: it must be the shared memfd backend.
        Assert.StartsWith("memory-backend-memfd,id=mem", After(args, "-object"));
    }
}
