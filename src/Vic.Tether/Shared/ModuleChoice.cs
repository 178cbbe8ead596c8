namespace Vic.Tether;

/// <summary>Which of the container base's kernel modules a VM loads at boot.</summary>
internal static class ModuleChoice
{
    /// <summary>
    /// Drivers for hardware a QEMU microvm never has: PCI transports, SCSI, ATA and the CD-ROM (the ISO on VMware), and
    /// VMware's NIC. A microvm has no DMI tables, which is how it is told apart from a PC or a VMware VM (which get every
    /// module). Loading them costs each VM boot a few hundred milliseconds under TCG for nothing.
    /// </summary>
    private static readonly HashSet<string> NotOnMicrovm = new(StringComparer.Ordinal)
    {
        "virtio_pci", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "scsi_common", "scsi_mod", "sd_mod", "sr_mod", "cdrom",
        "vmw_pvscsi", "virtio_scsi", "libata", "ata_piix", "vmxnet3",
    };

    /// <summary>Whether the module at <paramref name="path"/> is worth loading on <paramref name="platform"/>.</summary>
    public static bool Needed(string path, Platform platform)
    {
        bool microvm = platform.SysVendor.Length == 0 && platform.ProductName.Length == 0 && !platform.IsVmware;
        string name = Path.GetFileName(path);
        name = name.EndsWith(".ko", StringComparison.Ordinal) ? name[..^3] : name;
        return !microvm || !NotOnMicrovm.Contains(name.Replace('-', '_'));
    }
}
