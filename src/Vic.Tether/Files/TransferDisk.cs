using System.Runtime.InteropServices;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether.Files;

/// <summary>
/// The guest's end of the transfer disk (<see cref="TransferSpec"/>): slots are read and written with O_DIRECT, so
/// QEMU copies the bytes between guest memory and the host file itself and the guest's page cache never holds a
/// stale copy of a slot the host has rewritten. The slots this side writes (to the host) are handed out by
/// <see cref="ToHost"/>; the host frees them with FileSlotFree frames.
/// </summary>
internal sealed unsafe class TransferDisk
{
    /// <summary>Direct I/O needs offsets and lengths in whole logical blocks (virtio-blk's are 512 bytes) and an
    /// aligned buffer; page alignment covers every block size.</summary>
    public const int Block = 512;
    public const int Alignment = 4096;

    private readonly int _fd;

    private TransferDisk(TransferSpec spec, int fd)
    {
        Spec = spec;
        _fd = fd;
        ToHost = new TransferSlotPool(spec.SlotsPerDirection, spec.SlotsPerDirection);
    }

    public TransferSpec Spec { get; }

    public TransferSlotPool ToHost { get; }

    /// <summary>Opens the disk the spec names; null (with a log line saying why) when there is none or it cannot be
    /// used, and file sessions then refuse to use it (the host falls back to FileData frames for VMs without one).</summary>
    public static TransferDisk? Open(TransferSpec? spec, LogWriter log)
    {
        if (spec is null)
        {
            return null;
        }
        if (spec.Problem() is { } problem)
        {
            log.Tether($"transfer disk not used: {problem}");
            return null;
        }
        if (!Ports.WaitForDevice(spec.Device, TimeSpan.FromSeconds(5)))
        {
            log.Tether($"transfer disk {spec.Device} did not appear");
            return null;
        }
        int fd = Libc.open(spec.Device, Consts.O_RDWR | Consts.O_DIRECT | Consts.O_CLOEXEC, 0);
        if (fd < 0)
        {
            log.Tether($"open transfer disk {spec.Device}: {Sys.Describe(Sys.LastErrno)}");
            return null;
        }
        return new TransferDisk(spec, fd);
    }

    /// <summary>A buffer of one slot, aligned for direct I/O; free it with <see cref="FreeBuffer"/>.</summary>
    public byte* NewBuffer() => (byte*)NativeMemory.AlignedAlloc((nuint)Spec.SlotBytes, Alignment);

    public static void FreeBuffer(byte* buffer) => NativeMemory.AlignedFree(buffer);

    /// <summary>Reads the first <paramref name="length"/> bytes of a host-written slot into <paramref name="buffer"/>.</summary>
    public void Read(int slot, byte* buffer, int length)
    {
        if (!Spec.IsToGuest(slot) || length < 0 || length > Spec.SlotBytes)
        {
            throw new IOException($"the host named transfer slot {slot} with {length} bytes, which it may not write");
        }
        Transfer(slot, buffer, RoundUp(length), write: false);
    }

    /// <summary>Writes <paramref name="length"/> bytes from <paramref name="buffer"/> (a slot-sized buffer) to one of
    /// this side's slots; the tail of the last block is zeroed, since direct I/O writes whole blocks.</summary>
    public void Write(int slot, byte* buffer, int length)
    {
        int whole = RoundUp(length);
        new Span<byte>(buffer + length, whole - length).Clear();
        Transfer(slot, buffer, whole, write: true);
    }

    private void Transfer(int slot, byte* buffer, int count, bool write)
    {
        long offset = Spec.Offset(slot);
        int done = 0;
        while (done < count)
        {
            nint n = write
                ? Libc.pwrite(_fd, buffer + done, count - done, offset + done)
                : Libc.pread(_fd, buffer + done, count - done, offset + done);
            if (n < 0 && Sys.LastErrno == Consts.EINTR)
            {
                continue;
            }
            if (n <= 0)
            {
                string why = n == 0 ? "end of device" : Sys.Describe(Sys.LastErrno);
                throw new IOException($"{(write ? "write" : "read")} transfer slot {slot}: {why}");
            }
            done += (int)n;
        }
    }

    private static int RoundUp(int length) => (length + Block - 1) / Block * Block;
}
