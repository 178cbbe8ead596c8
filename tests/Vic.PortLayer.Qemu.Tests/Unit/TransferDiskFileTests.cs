using System.Text.Json;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Storage;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Tests.Unit;

/// <summary>The host's end of a VM's transfer disk: made fresh per run, found through the VM's spec.json, slots at
/// their offsets, and only the host's own half writable from here.</summary>
public sealed class TransferDiskFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vic-xfer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WriteSpec(TransferSpec? transfer) =>
        File.WriteAllBytes(Path.Combine(_dir, DatastoreLayout.SpecFile),
            JsonSerializer.SerializeToUtf8Bytes(new VmSpec { Mode = VmMode.Container, Id = "abc", Transfer = transfer }, ProtocolJson.Default.VmSpec));

    [Fact]
    public void TheDiskFollowsTheOtherDisksAndIsFreshAndSparse()
    {
        Assert.Equal("/dev/vdb", TransferDiskFile.DeviceAfter(1));
        Assert.Equal("/dev/vdd", TransferDiskFile.DeviceAfter(3));
        TransferSpec spec = TransferDiskFile.SpecFor("/dev/vdb");
        Assert.Null(spec.Problem());

        string path = TransferDiskFile.Create(_dir, spec);
        File.WriteAllBytes(path, [1, 2, 3]); // what an earlier run left
        path = TransferDiskFile.Create(_dir, spec);
        var info = new FileInfo(path);
        Assert.Equal(spec.DiskBytes, info.Length);
        Assert.Equal(0, File.ReadAllBytes(path)[..3].Sum(b => b));
    }

    [Fact]
    public async Task SlotsAreReadAndWrittenAtTheirOffsetsAndOnlyTheHostsHalfIsWritable()
    {
        TransferSpec spec = TransferDiskFile.SpecFor("/dev/vdb");
        WriteSpec(spec);
        string path = TransferDiskFile.Create(_dir, spec);
        using TransferDiskFile disk = TransferDiskFile.Open(_dir) ?? throw new InvalidOperationException("not opened");

        byte[] data = [.. Enumerable.Range(0, 5000).Select(i => (byte)i)];
        await disk.WriteAsync(3, data, CancellationToken.None);
        using (var raw = File.OpenRead(path))
        {
            raw.Position = spec.Offset(3);
            var back = new byte[data.Length];
            raw.ReadExactly(back);
            Assert.Equal(data, back);
        }
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await disk.WriteAsync(spec.SlotsPerDirection, data, CancellationToken.None));

        // What the guest wrote into its slot, read from part-way in.
        int guestSlot = spec.SlotsPerDirection + 1;
        using (var raw = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            raw.Position = spec.Offset(guestSlot);
            raw.Write(data);
        }
        var part = new byte[100];
        Assert.Equal(100, await disk.ReadAsync(guestSlot, 1000, part, CancellationToken.None));
        Assert.Equal(data[1000..1100], part);
        Assert.Equal(0, disk.ToGuest.Outstanding);
    }

    [Fact]
    public void AVmBootedWithoutATransferDiskHasNone()
    {
        WriteSpec(null);
        File.WriteAllBytes(Path.Combine(_dir, DatastoreLayout.TransferFile), []);
        Assert.Null(TransferDiskFile.Open(_dir));
        WriteSpec(TransferDiskFile.SpecFor("/dev/vdb"));
        File.Delete(Path.Combine(_dir, DatastoreLayout.TransferFile));
        Assert.Null(TransferDiskFile.Open(_dir));
        Assert.Null(TransferDiskFile.Open(Path.Combine(_dir, "missing")));
    }
}
