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
/// The host's FileData frames of a Put session as a stream. The control port's reader adds frames; when the queue is
/// full it waits, which holds the host back through the virtio-serial port (bounded memory). Once the reader of
/// this stream has given up (a bad tar), further frames are dropped so the control port never blocks on it.
/// </summary>
internal sealed class FrameInputStream : Stream
{
    private const int QueuedFrames = 64;
    private readonly BlockingCollection<byte[]> _frames = new(QueuedFrames);
    private byte[] _current = [];
    private int _offset;
    private volatile bool _abandoned;

    public void Add(byte[] data)
    {
        if (_abandoned || _frames.IsAddingCompleted)
        {
            return;
        }
        try
        {
            while (!_abandoned && !_frames.TryAdd(data, 100))
            {
            }
        }
        catch (InvalidOperationException)
        {
            // Completed meanwhile.
        }
    }

    public void Complete() => _frames.CompleteAdding();

    /// <summary>The reader stops: queued and later frames are discarded.</summary>
    public void Abandon()
    {
        _abandoned = true;
        while (_frames.TryTake(out _))
        {
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_offset == _current.Length)
        {
            if (!_frames.TryTake(out byte[]? next, Timeout.Infinite))
            {
                return 0; // completed and drained: the end of the tar
            }
            _current = next;
            _offset = 0;
        }
        int n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsSpan(_offset, n).CopyTo(buffer);
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
