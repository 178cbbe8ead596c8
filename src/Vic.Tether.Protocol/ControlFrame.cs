using System.Buffers.Binary;

namespace Vic.Tether.Protocol;

public enum ControlFrameKind : byte
{
    /// <summary>Bytes for the process's stdin (or the terminal, with a TTY).</summary>
    Stdin = 1,
    /// <summary>Close the process's stdin (EOF). Empty payload.</summary>
    StdinClose = 2,
    /// <summary>Deliver a signal to the process. Payload: int32 big-endian signal number.</summary>
    Signal = 3,
    /// <summary>Resize the terminal. Payload: uint16 rows, uint16 columns, big-endian.</summary>
    Resize = 4,
}

/// <summary>
/// One frame on the control channel: kind (1 byte), session (uint32 big-endian; 0 is the container's main
/// process, other values are reserved for exec sessions), payload length (uint32 big-endian), payload.
/// </summary>
public readonly record struct ControlFrame(ControlFrameKind Kind, uint Session, ReadOnlyMemory<byte> Payload)
{
    public const int HeaderLength = 9;
    public const int MaxPayload = 64 * 1024;

    public byte[] Encode()
    {
        var bytes = new byte[HeaderLength + Payload.Length];
        bytes[0] = (byte)Kind;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1, 4), Session);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5, 4), (uint)Payload.Length);
        Payload.Span.CopyTo(bytes.AsSpan(HeaderLength));
        return bytes;
    }

    public static ControlFrame Signal(int signal)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, signal);
        return new ControlFrame(ControlFrameKind.Signal, 0, payload);
    }

    public static ControlFrame Resize(ushort rows, ushort columns)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(0, 2), rows);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2, 2), columns);
        return new ControlFrame(ControlFrameKind.Resize, 0, payload);
    }

    public static bool TryReadHeader(ReadOnlySpan<byte> header, out ControlFrameKind kind, out uint session, out int payloadLength)
    {
        kind = (ControlFrameKind)header[0];
        session = BinaryPrimitives.ReadUInt32BigEndian(header[1..5]);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header[5..9]);
        payloadLength = (int)Math.Min(length, int.MaxValue);
        return kind is >= ControlFrameKind.Stdin and <= ControlFrameKind.Resize && length <= MaxPayload;
    }
}
