namespace Vic.Tether.Tests;

public sealed class ModuleChoiceTests
{
    private const string Dir = "/lib/modules/6.1.0-56-cloud-amd64/kernel/drivers/";
    private static readonly Platform Microvm = new("", "", "TCGTCGTCGTCG");
    private static readonly Platform Pc = new("QEMU", "Standard PC (i440FX + PIIX, 1996)", "KVMKVMKVM");
    private static readonly Platform Vmware = new("VMware, Inc.", "VMware7,1", "VMwareVMware");
    private static readonly Platform VmwareCpuidOnly = new("", "", "VMwareVMware");

    [Theory]
    [InlineData("virtio/virtio_ring.ko")]
    [InlineData("virtio/virtio_mmio.ko")]
    [InlineData("block/virtio_blk.ko")]
    [InlineData("char/virtio_console.ko")]
    [InlineData("char/hw_random/virtio-rng.ko")]
    [InlineData("net/virtio_net.ko")]
    [InlineData("firmware/qemu_fw_cfg.ko")]
    public void AMicrovmLoadsItsVirtioDrivers(string module) => Assert.True(ModuleChoice.Needed(Dir + module, Microvm));

    [Theory]
    [InlineData("ata/ata_piix.ko")]
    [InlineData("ata/libata.ko")]
    [InlineData("scsi/vmw_pvscsi.ko")]
    [InlineData("scsi/scsi_mod.ko")]
    [InlineData("cdrom/cdrom.ko")]
    [InlineData("net/vmxnet3/vmxnet3.ko")]
    [InlineData("virtio/virtio_pci.ko")]
    public void AMicrovmSkipsDriversForHardwareItNeverHas(string module)
    {
        Assert.False(ModuleChoice.Needed(Dir + module, Microvm));
        // A PC or a VMware VM (even one whose DMI is hidden) may have that hardware: everything is loaded there.
        Assert.True(ModuleChoice.Needed(Dir + module, Pc));
        Assert.True(ModuleChoice.Needed(Dir + module, Vmware));
        Assert.True(ModuleChoice.Needed(Dir + module, VmwareCpuidOnly));
    }
}
