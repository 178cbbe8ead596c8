using System.Collections.Concurrent;
using Vic.Tether.Protocol;

namespace Vic.Tether.Files;

/// <summary>A session's output as FileData frames of up to one frame's payload each (written whole by the port).</summary>
internal sealed class FrameOutputStream(ControlPort port, uint session) : Stream
{
    private readonly byte[] _buffer = new byte[ControlFrame.MaxPayload];
    private int _filled;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            int n = Math.Min(data.Length, _buffer.Length - _filled);
            data[..n].CopyTo(_buffer.AsSpan(_filled));
            _filled += n;
            data = data[n..];
            if (_filled == _buffer.Length)
            {
                Flush();
            }
        }
    }

    public override void Flush()
    {
        if (_filled > 0)
        {
            port.Send(ControlFrameKind.FileData, session, _buffer.AsSpan(0, _filled));
            _filled = 0;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>
/// A session's output through the transfer disk: bytes gather in a slot-sized aligned buffer, which is written to a
/// free slot of this side with direct I/O, then announced with a FileSlot frame. Taking a slot waits while all are
/// out, which holds this session back until the host has read what it was sent (bounded memory on both sides).
/// </summary>
internal sealed unsafe class SlotOutputStream(ControlPort port, TransferDisk disk, uint session) : Stream
{
    private byte* _buffer = disk.NewBuffer();
    private int _filled;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        int size = disk.Spec.SlotBytes;
        while (data.Length > 0)
        {
            int n = Math.Min(data.Length, size - _filled);
            data[..n].CopyTo(new Span<byte>(_buffer + _filled, n));
            _filled += n;
            data = data[n..];
            if (_filled == size)
            {
                Flush();
            }
        }
    }

    public override void Flush()
    {
        if (_filled == 0 || _buffer is null)
        {
            return;
        }
        int slot = disk.ToHost.Take();
        try
        {
            disk.Write(slot, _buffer, _filled);
        }
        catch
        {
            disk.ToHost.Free(slot);
            throw;
        }
        port.Send(ControlFrameKind.FileSlot, session, ControlFrame.FileSlot(session, slot, _filled).Payload.Span);
        _filled = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (_buffer is not null)
        {
            TransferDisk.FreeBuffer(_buffer);
            _buffer = null;
        }
        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>
/// The host's data of a Put session as a stream: FileData frames, or FileSlot frames naming transfer-disk slots that
/// are read (and freed) only when the extractor gets to them, so the disk itself is the queue. The control port's
/// reader adds pieces; when the queue is full it waits, which holds the host back through the virtio-serial port
/// (bounded memory). Once the reader of this stream has given up (a bad tar), further pieces are dropped (slots
/// freed at once) so the control port never blocks on it and the host never runs out of slots.
/// </summary>
internal sealed unsafe class FrameInputStream(TransferDisk? disk = null, Action<int>? freeSlot = null) : Stream
{
    private const int QueuedFrames = 64;
    private readonly BlockingCollection<Piece> _pieces = new(QueuedFrames);
    private byte[] _current = [];
    private byte* _slotBuffer;
    private int _slotLength;
    private bool _inSlot;
    private int _offset;
    private volatile bool _abandoned;
    private volatile string? _failure;

    private readonly record struct Piece(byte[]? Data, int Slot, int Length);

    public void Add(byte[] data) => Enqueue(new Piece(data, -1, data.Length));

    /// <summary>A FileSlot frame: <paramref name="length"/> bytes wait in host slot <paramref name="slot"/>.</summary>
    public void AddSlot(int slot, int length) => Enqueue(new Piece(null, slot, length));

    private void Enqueue(Piece piece)
    {
        if (_abandoned || _pieces.IsAddingCompleted)
        {
            Drop(piece);
            return;
        }
        try
        {
            while (!_abandoned && !_pieces.TryAdd(piece, 100))
            {
            }
            if (_abandoned)
            {
                Drain();
            }
        }
        catch (InvalidOperationException)
        {
            Drop(piece); // completed meanwhile
        }
    }

    public void Complete() => _pieces.CompleteAdding();

    /// <summary>The host went away mid-stream: the reader gets an error instead of waiting for data that cannot come.</summary>
    public void Fail(string message)
    {
        _failure = message;
        _pieces.CompleteAdding();
    }

    /// <summary>The reader stops: queued and later pieces are discarded.</summary>
    public void Abandon()
    {
        _abandoned = true;
        Drain();
        if (_slotBuffer is not null)
        {
            TransferDisk.FreeBuffer(_slotBuffer);
            _slotBuffer = null;
        }
    }

    private void Drain()
    {
        while (_pieces.TryTake(out Piece piece))
        {
            Drop(piece);
        }
    }

    private void Drop(Piece piece)
    {
        if (piece.Data is null)
        {
            freeSlot?.Invoke(piece.Slot);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_offset == (_inSlot ? _slotLength : _current.Length))
        {
            if (!_pieces.TryTake(out Piece next, Timeout.Infinite))
            {
                return _failure is null ? 0 : throw new IOException(_failure); // completed and drained: the end of the tar
            }
            _offset = 0;
            if (next.Data is not null)
            {
                _current = next.Data;
                _inSlot = false;
                continue;
            }
            try
            {
                if (disk is null)
                {
                    throw new IOException("the host sent a transfer slot but this VM has no transfer disk");
                }
                if (_slotBuffer is null)
                {
                    _slotBuffer = disk.NewBuffer();
                }
                disk.Read(next.Slot, _slotBuffer, next.Length);
            }
            finally
            {
                freeSlot?.Invoke(next.Slot);
            }
            _slotLength = next.Length;
            _inSlot = true;
        }
        ReadOnlySpan<byte> current = _inSlot ? new ReadOnlySpan<byte>(_slotBuffer, _slotLength) : _current;
        int n = Math.Min(buffer.Length, current.Length - _offset);
        current.Slice(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
