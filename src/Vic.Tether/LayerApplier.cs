using System.Formats.Tar;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Mode ApplyLayer: apply an uncompressed layer tar from a raw block device onto the mounted root disk.
/// The tether chroots into the disk first, so no path in the tar (absolute names, "..", symlinks in parents)
/// can reach anything but that disk (DESIGN rule 5: a hostile tar can at worst damage its own disk).
/// </summary>
internal static class LayerApplier
{
    public static ExitReport Run(VmSpec spec, LogWriter log)
    {
        LayerApplySpec layer = spec.Layer!;
        RootFilesystem.MountRootDisk(spec.RootDevice);
        if (!Ports.WaitForDevice(layer.TarDevice, TimeSpan.FromSeconds(5)))
        {
            throw new TetherException($"tar device {layer.TarDevice} did not appear");
        }
        // Opened before the chroot: the device node lives in the initramfs's /dev.
        using var device = new FileStream(layer.TarDevice, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        using var tar = new BufferedStream(new BoundedStream(device, layer.TarLength), 1 << 20);
        Sys.Check(Libc.chroot(RootFilesystem.NewRoot), "chroot into the layer disk");
        Sys.Check(Libc.chdir("/"), "chdir /");

        var extractor = new LayerExtractor();
        int entries = 0;
        try
        {
            using var reader = new TarReader(tar);
            while (reader.GetNextEntry() is TarEntry entry)
            {
                extractor.Apply(entry);
                entries++;
            }
            extractor.Finish();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or TetherException or FormatException)
        {
            Libc.sync();
            return new ExitReport { ExitCode = 1, Error = $"failed to apply layer: {e.Message}" };
        }
        Libc.sync();
        log.Tether($"applied {entries} tar entries");
        return new ExitReport { ExitCode = 0 };
    }
}
