using System.Buffers.Binary;

namespace Vic.Tether.Protocol;

public enum LogRecordKind : byte
{
    Stdout = 1,
    Stderr = 2,
    /// <summary>Payload: <see cref="StartedReport"/> JSON.</summary>
    Started = 3,
    /// <summary>Payload: <see cref="ExitReport"/> JSON. The last record of one run of the VM.</summary>
    Exit = 4,
    /// <summary>Payload: UTF-8 text from the tether itself, for diagnostics (not shown by docker logs).</summary>
    Tether = 5,
    /// <summary>Payload: <see cref="NetworkReport"/> JSON: a DHCP NIC's lease, gained, renewed or lost (not shown by docker logs).</summary>
    Network = 6,
}

/// <summary>
/// One frame on the log channel: kind (1 byte), payload length (uint32 big-endian),
/// guest timestamp (int64 big-endian, Unix nanoseconds), payload. Frames are written whole by one writer.
/// </summary>
public readonly record struct LogRecord(LogRecordKind Kind, long TimestampUnixNanos, ReadOnlyMemory<byte> Payload)
{
    public const int HeaderLength = 13;

    /// <summary>Upper bound on one payload; larger output is split into several records.</summary>
    public const int MaxPayload = 64 * 1024;

    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampUnixNanos / 100);

    public static void WriteHeader(Span<byte> header, LogRecordKind kind, int payloadLength, long timestampUnixNanos)
    {
        header[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..5], (uint)payloadLength);
        BinaryPrimitives.WriteInt64BigEndian(header[5..13], timestampUnixNanos);
    }

    /// <summary>Reads a header; false when the kind is unknown or the length is out of bounds (a corrupt file).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out LogRecordKind kind, out int payloadLength, out long timestampUnixNanos)
    {
        kind = (LogRecordKind)header[0];
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header[1..5]);
        timestampUnixNanos = BinaryPrimitives.ReadInt64BigEndian(header[5..13]);
        payloadLength = (int)Math.Min(length, int.MaxValue);
        return kind is >= LogRecordKind.Stdout and <= LogRecordKind.Network && length <= MaxPayload;
    }
}
