using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.VSphere;

/// <summary>
/// Reads the tether's log channel as the hypervisor persisted it (the containerVM's file-backed serial port,
/// output.log beside the VM): <see cref="LogRecord"/> frames, stopping at a torn or corrupt tail.
/// </summary>
internal static class LogFrames
{
    public static IEnumerable<LogRecord> Parse(ReadOnlyMemory<byte> data)
    {
        int offset = 0;
        while (data.Length - offset >= LogRecord.HeaderLength)
        {
            if (!LogRecord.TryReadHeader(data.Span.Slice(offset, LogRecord.HeaderLength), out var kind, out int length, out long nanos)
                || data.Length - offset - LogRecord.HeaderLength < length)
                yield break;
            yield return new LogRecord(kind, nanos, data.Slice(offset + LogRecord.HeaderLength, length));
            offset += LogRecord.HeaderLength + length;
        }
    }

    /// <summary>The last Exit report written at or after <paramref name="runStarted"/> (a second of clock slack allowed), or null.</summary>
    public static ExitReport? LastExit(ReadOnlyMemory<byte> data, DateTimeOffset? runStarted)
    {
        ExitReport? last = null;
        DateTimeOffset since = (runStarted ?? DateTimeOffset.MinValue.AddSeconds(1)).AddSeconds(-1);
        foreach (var record in Parse(data))
        {
            if (record.Kind != LogRecordKind.Exit || record.Timestamp < since)
                continue;
            try
            {
                last = JsonSerializer.Deserialize(record.Payload.Span, ProtocolJson.Default.ExitReport) ?? last;
            }
            catch (JsonException)
            {
                // A malformed report still ends the run; the caller falls back to "exited unexpectedly".
            }
        }
        return last;
    }
}
