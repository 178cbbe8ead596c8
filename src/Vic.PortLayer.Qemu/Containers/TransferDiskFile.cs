using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Vic.PortLayer.Qemu.Storage;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// The host's end of a VM's transfer disk (<see cref="TransferSpec"/>): a sparse raw file in the VM's directory that
/// QEMU gives the guest as its last virtio-blk disk. File sessions move their bulk data through its slots (FileSlot
/// frames) instead of through the control port: under TCG the guest CPU's own copies are emulated and the
/// virtio-serial port moves a few KiB per interrupt, while QEMU copies block I/O natively. The host writes the first
/// half of the slots (data into the guest) and reads the second; QEMU opens the file through the page cache
/// (cache=writeback), so our reads and writes and the guest's direct I/O see the same bytes. Nothing here looks inside
/// the data: a tar passes through unparsed (DESIGN rule 5).
/// </summary>
internal sealed class TransferDiskFile : IDisposable
{
    /// <summary>1 MiB slots, 8 each way: a 16 MiB sparse file per VM, and up to 8 MiB in flight each way (enough to
    /// keep both sides busy; measured in bench/cp.sh).</summary>
    public const int SlotBytes = 1 << 20;
    public const int SlotsPerDirection = 8;

    private readonly SafeFileHandle _handle;

    private TransferDiskFile(TransferSpec spec, SafeFileHandle handle)
    {
        Spec = spec;
        _handle = handle;
        ToGuest = new TransferSlotPool(0, spec.SlotsPerDirection);
    }

    public TransferSpec Spec { get; }

    /// <summary>The slots the host writes; the guest frees them with FileSlotFree once read.</summary>
    public TransferSlotPool ToGuest { get; }

    /// <summary>The geometry for a VM whose transfer disk is <paramref name="device"/> in the guest.</summary>
    public static TransferSpec SpecFor(string device) => new() { Device = device, SlotBytes = SlotBytes, SlotsPerDirection = SlotsPerDirection };

    /// <summary>The guest device of the disk that follows <paramref name="disks"/> other disks (virtio-mmio devices
    /// enumerate in command-line order, and the transfer disk is given last).</summary>
    public static string DeviceAfter(int disks) => $"/dev/vd{(char)('a' + disks)}";

    /// <summary>A fresh, empty (sparse) transfer disk in <paramref name="directory"/>, replacing an old one: nothing
    /// of an earlier run is left for a new guest to read.</summary>
    public static string Create(string directory, TransferSpec spec)
    {
        string path = Path.Combine(directory, DatastoreLayout.TransferFile);
        File.Delete(path);
        using (SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
            RandomAccess.SetLength(handle, spec.DiskBytes);
        return path;
    }

    /// <summary>The transfer disk of the VM in <paramref name="vmDirectory"/> as its spec.json describes it; null when
    /// the VM was booted without one (an older VCH started it), and its sessions then use FileData frames.</summary>
    public static TransferDiskFile? Open(string vmDirectory)
    {
        try
        {
            byte[] json = File.ReadAllBytes(Path.Combine(vmDirectory, DatastoreLayout.SpecFile));
            TransferSpec? spec = JsonSerializer.Deserialize(json, ProtocolJson.Default.VmSpec)?.Transfer;
            string path = Path.Combine(vmDirectory, DatastoreLayout.TransferFile);
            if (spec is null || spec.Problem() is not null || !File.Exists(path))
                return null;
            return new TransferDiskFile(spec, File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes a piece of data for the guest into one of the host's slots.</summary>
    public ValueTask WriteAsync(int slot, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!Spec.IsToGuest(slot) || data.Length > Spec.SlotBytes)
            throw new ArgumentOutOfRangeException(nameof(slot));
        return RandomAccess.WriteAsync(_handle, data, Spec.Offset(slot), cancellationToken);
    }

    /// <summary>Reads from a slot the guest wrote, starting <paramref name="offset"/> bytes into it.</summary>
    public ValueTask<int> ReadAsync(int slot, int offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        RandomAccess.ReadAsync(_handle, buffer, Spec.Offset(slot) + offset, cancellationToken);

    public void Dispose() => _handle.Dispose();
}
