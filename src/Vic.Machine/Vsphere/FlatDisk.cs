using System.Globalization;
using System.Security.Cryptography;

namespace Vic.Machine.Vsphere;

/// <summary>How an uploaded raw image (the appliance image, the key disk) becomes a disk a VM can attach.</summary>
internal static class FlatDisk
{
    /// <summary>
    /// A VMDK descriptor for a raw flat extent of <paramref name="bytes"/> (a multiple of 512) named
    /// <paramref name="extentFile"/> in the same directory.
    /// </summary>
    public static string Descriptor(string extentFile, long bytes)
    {
        long sectors = bytes / 512;
        var inv = CultureInfo.InvariantCulture;
        return string.Join('\n',
            "# Disk DescriptorFile",
            "version=1",
            "encoding=\"UTF-8\"",
            "CID=" + RandomNumberGenerator.GetHexString(8, lowercase: true),
            "parentCID=ffffffff",
            "createType=\"vmfs\"",
            "",
            "# Extent description",
            string.Create(inv, $"RW {sectors} VMFS \"{extentFile}\""),
            "",
            "# The Disk Data Base",
            "#DDB",
            "ddb.adapterType = \"lsilogic\"",
            string.Create(inv, $"ddb.geometry.cylinders = \"{Math.Max(1, sectors / (64 * 32))}\""),
            "ddb.geometry.heads = \"64\"",
            "ddb.geometry.sectors = \"32\"",
            "ddb.thinProvisioned = \"0\"",
            "ddb.virtualHWVersion = \"13\"",
            "");
    }
}
