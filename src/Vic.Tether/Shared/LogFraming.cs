using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Encodes output as <see cref="LogRecord"/> frames: header and payload in one buffer so a frame reaches the
/// port in one write, payloads split at <see cref="LogRecord.MaxPayload"/>. Pure: shared with the tests.
/// </summary>
internal static class LogFraming
{
    /// <summary>The frames for <paramref name="payload"/>; an empty payload still gives one (empty) frame.</summary>
    public static IEnumerable<byte[]> Encode(LogRecordKind kind, long timestampUnixNanos, ReadOnlyMemory<byte> payload)
    {
        int offset = 0;
        do
        {
            int length = Math.Min(LogRecord.MaxPayload, payload.Length - offset);
            var frame = new byte[LogRecord.HeaderLength + length];
            LogRecord.WriteHeader(frame, kind, length, timestampUnixNanos);
            payload.Span.Slice(offset, length).CopyTo(frame.AsSpan(LogRecord.HeaderLength));
            offset += length;
            yield return frame;
        }
        while (offset < payload.Length);
    }

    /// <summary>Reads every frame of a log file; stops at a truncated or corrupt tail.</summary>
    public static List<LogRecord> Decode(ReadOnlySpan<byte> data)
    {
        var records = new List<LogRecord>();
        int offset = 0;
        while (data.Length - offset >= LogRecord.HeaderLength)
        {
            if (!LogRecord.TryReadHeader(data.Slice(offset, LogRecord.HeaderLength), out LogRecordKind kind, out int length, out long ts)
                || data.Length - offset - LogRecord.HeaderLength < length)
            {
                break;
            }
            records.Add(new LogRecord(kind, ts, data.Slice(offset + LogRecord.HeaderLength, length).ToArray()));
            offset += LogRecord.HeaderLength + length;
        }
        return records;
    }
}
