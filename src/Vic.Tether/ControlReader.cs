using System.Buffers.Binary;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Reads <see cref="ControlFrame"/>s from the control port on its own thread. While no host is connected
/// (the VCH is down) a read returns 0 or fails at once: the reader backs off and retries, and any partial
/// frame is dropped, since a reconnecting host starts with a fresh frame.
/// </summary>
internal sealed unsafe class ControlReader
{
    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(100);

    private readonly string _device;
    private readonly IControlHandler _handler;
    private readonly LogWriter _log;

    public ControlReader(string device, IControlHandler handler, LogWriter log)
    {
        _device = device;
        _handler = handler;
        _log = log;
        new Thread(Run) { IsBackground = true, Name = "control" }.Start();
    }

    private void Run()
    {
        int fd;
        while ((fd = Libc.open(_device, Consts.O_RDWR | Consts.O_CLOEXEC, 0)) < 0)
        {
            _log.Tether($"open {_device}: {Sys.Describe(Sys.LastErrno)}; retrying");
            Thread.Sleep(TimeSpan.FromSeconds(1));
        }

        var buffer = new byte[ControlFrame.HeaderLength + ControlFrame.MaxPayload];
        int filled = 0;
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.read(fd, p + filled, buffer.Length - filled);
                if (n <= 0)
                {
                    if (n < 0 && Sys.LastErrno == Consts.EINTR)
                    {
                        continue;
                    }
                    filled = 0;
                    Thread.Sleep(Backoff);
                    continue;
                }
                filled += (int)n;
                filled = Dispatch(buffer, filled);
            }
        }
    }

    /// <summary>Handles every complete frame at the start of the buffer; returns how many bytes remain.</summary>
    private int Dispatch(byte[] buffer, int filled)
    {
        int offset = 0;
        while (filled - offset >= ControlFrame.HeaderLength)
        {
            if (!ControlFrame.TryReadHeader(buffer.AsSpan(offset, ControlFrame.HeaderLength), out ControlFrameKind kind, out uint session, out int length))
            {
                // The stream cannot be resynchronised from inside a frame: drop what we have.
                _log.Tether($"invalid control frame header (kind {buffer[offset]}); dropping buffered input");
                return 0;
            }
            if (filled - offset - ControlFrame.HeaderLength < length)
            {
                break;
            }
            byte[] payload = buffer.AsSpan(offset + ControlFrame.HeaderLength, length).ToArray();
            offset += ControlFrame.HeaderLength + length;
            if (session != 0)
            {
                _log.Tether($"control frame for unknown session {session} ignored");
                continue;
            }
            Handle(kind, payload);
        }
        Buffer.BlockCopy(buffer, offset, buffer, 0, filled - offset);
        return filled - offset;
    }

    private void Handle(ControlFrameKind kind, byte[] payload)
    {
        switch (kind)
        {
            case ControlFrameKind.Stdin:
                _handler.Stdin(payload);
                break;
            case ControlFrameKind.StdinClose:
                _handler.CloseStdin();
                break;
            case ControlFrameKind.Signal when payload.Length >= 4:
                _handler.Signal(BinaryPrimitives.ReadInt32BigEndian(payload));
                break;
            case ControlFrameKind.Resize when payload.Length >= 4:
                _handler.Resize(BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(0, 2)), BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2, 2)));
                break;
            default:
                _log.Tether($"malformed {kind} control frame ignored");
                break;
        }
    }
}
