namespace Vic.Tether.Protocol;

/// <summary>
/// The transfer disk of a VM (<see cref="VmSpec.Transfer"/>): a raw disk cut into equal slots, the first half written
/// only by the host (data going into the guest), the second half only by the guest. A sender writes a piece of a
/// session's stream into a free slot of its half and sends a FileSlot frame; the receiver reads it and answers
/// FileSlotFree. Under TCG every byte the guest CPU copies is emulated, while block I/O is copied by QEMU natively, so
/// bulk data through a disk costs the guest far less than through the virtio-serial control port.
/// </summary>
public sealed record TransferSpec
{
    /// <summary>The block device in the guest, e.g. "/dev/vdc" (the VM's last disk).</summary>
    public required string Device { get; init; }

    /// <summary>Bytes per slot: a multiple of 4096 (direct I/O in the guest needs aligned offsets and lengths).</summary>
    public required int SlotBytes { get; init; }

    /// <summary>Slots in each direction; the disk holds twice as many.</summary>
    public required int SlotsPerDirection { get; init; }

    /// <summary>The disk's size in bytes.</summary>
    public long DiskBytes => (long)SlotBytes * SlotsPerDirection * 2;

    /// <summary>Where slot <paramref name="slot"/> starts on the disk.</summary>
    public long Offset(int slot) => (long)slot * SlotBytes;

    /// <summary>Slots [0, n) carry data to the guest (the host writes them); [n, 2n) carry data to the host.</summary>
    public bool IsToGuest(int slot) => slot >= 0 && slot < SlotsPerDirection;

    public bool IsToHost(int slot) => slot >= SlotsPerDirection && slot < 2 * SlotsPerDirection;

    /// <summary>Why this geometry cannot be used, or null when it can.</summary>
    public string? Problem() =>
        Device.Length == 0 ? "no transfer device"
        : SlotBytes <= 0 || SlotBytes % 4096 != 0 ? $"slot size {SlotBytes} is not a positive multiple of 4096"
        : SlotsPerDirection is <= 0 or > 1024 ? $"{SlotsPerDirection} slots per direction is out of range (1..1024)"
        : null;
}

/// <summary>
/// The slots one side may write: taken before writing, given back when the other side says it has read them. A free
/// for a slot that is not out (a confused or hostile peer, or one from before a reconnect) is ignored, so the pool
/// never holds more slots than it owns. Thread-safe; usable from blocking (tether) and async (host) code.
/// </summary>
public sealed class TransferSlotPool
{
    private readonly Lock _lock = new();
    private readonly Queue<int> _free = new();
    private readonly HashSet<int> _out = [];
    private readonly SemaphoreSlim _available;

    public TransferSlotPool(int first, int count)
    {
        for (int i = 0; i < count; i++)
            _free.Enqueue(first + i);
        _available = new SemaphoreSlim(count, count);
    }

    /// <summary>Waits for a free slot and takes it.</summary>
    public int Take(CancellationToken cancellationToken = default)
    {
        _available.Wait(cancellationToken);
        return Dequeue();
    }

    /// <summary>Waits for a free slot at most <paramref name="timeout"/>; -1 when none came.</summary>
    public int TryTake(TimeSpan timeout) => _available.Wait(timeout) ? Dequeue() : -1;

    public async ValueTask<int> TakeAsync(CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken);
        return Dequeue();
    }

    /// <summary>The receiver has read <paramref name="slot"/>; false when it was not out (and nothing changed).</summary>
    public bool Free(int slot)
    {
        lock (_lock)
        {
            if (!_out.Remove(slot))
                return false;
            _free.Enqueue(slot);
        }
        _available.Release();
        return true;
    }

    /// <summary>The peer went away with slots unread (it will never free them): every slot is free again.</summary>
    public void Reset()
    {
        int[] back;
        lock (_lock)
        {
            back = [.. _out];
            _out.Clear();
            foreach (int slot in back)
                _free.Enqueue(slot);
        }
        if (back.Length > 0)
            _available.Release(back.Length);
    }

    /// <summary>Slots taken and not freed yet.</summary>
    public int Outstanding
    {
        get
        {
            lock (_lock)
                return _out.Count;
        }
    }

    private int Dequeue()
    {
        lock (_lock)
        {
            int slot = _free.Dequeue();
            _out.Add(slot);
            return slot;
        }
    }
}
