using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Logs;

/// <summary>A Started or Exit record of one run of the container's process, or a NIC's DHCP lease (Network), with the
/// guest's timestamp.</summary>
internal readonly record struct RunRecord(DateTimeOffset Time, StartedReport? Started, ExitReport? Exit)
{
    public NetworkReport? Network { get; init; }

    /// <summary>File offset just past this record: whether it was written before or after a given moment.</summary>
    public long End { get; init; }
}

/// <summary>
/// Follows output.log from a run's start offset and returns only its Started, Exit and Network records, each once: output
/// records are skipped by their header's length without reading their bytes, so a chatty container costs the
/// watcher a header read per record, and nothing while the file does not grow. A record not yet fully written is
/// left for the next call.
/// </summary>
internal sealed class RunRecordScanner(string logPath, long offset) : IDisposable
{
    private readonly byte[] _buffer = new byte[LogRecord.HeaderLength + LogRecord.MaxPayload];
    private SafeFileHandle? _file;
    private bool _corrupt;

    /// <summary>File offset just past the last whole record passed.</summary>
    public long Offset { get; private set; } = offset;

    /// <summary>The run records written since the last call.</summary>
    public async Task<List<RunRecord>> ReadNewAsync(CancellationToken cancellationToken)
    {
        var found = new List<RunRecord>();
        if (_corrupt || !TryOpen())
            return found;
        long length = RandomAccess.GetLength(_file!);
        while (length - Offset >= LogRecord.HeaderLength)
        {
            // The buffer holds the largest record, so one read from a record's own offset always holds it whole.
            long before = Offset;
            int filled = await ReadAtAsync(Offset, (int)Math.Min(_buffer.Length, length - Offset), cancellationToken);
            int used = 0;
            while (filled - used >= LogRecord.HeaderLength)
            {
                if (!LogRecord.TryReadHeader(_buffer.AsSpan(used, LogRecord.HeaderLength), out LogRecordKind kind, out int size, out long nanos))
                {
                    _corrupt = true; // as the log reader: nothing after an impossible header reads as frames
                    return found;
                }
                long end = Offset + used + LogRecord.HeaderLength + size;
                if (end > length)
                {
                    Offset += used;
                    return found;
                }
                if (kind is LogRecordKind.Started or LogRecordKind.Exit or LogRecordKind.Network)
                {
                    if (filled - used < LogRecord.HeaderLength + size)
                        break; // read it whole from its own offset next round
                    found.Add(Parse(kind, nanos, _buffer.AsSpan(used + LogRecord.HeaderLength, size)) with { End = end });
                }
                else if (filled - used < LogRecord.HeaderLength + size)
                {
                    // Output longer than the buffered rest: skip it by its length.
                    Offset = end;
                    used = 0;
                    filled = 0;
                    break;
                }
                used += LogRecord.HeaderLength + size;
            }
            Offset += used;
            if (Offset == before)
                break; // the file was shorter than its length said (truncated under us): try again next time
        }
        return found;
    }

    private static RunRecord Parse(LogRecordKind kind, long nanos, ReadOnlySpan<byte> payload)
    {
        DateTimeOffset time = DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);
        try
        {
            if (kind == LogRecordKind.Network)
                return new RunRecord(time, null, null) { Network = JsonSerializer.Deserialize(payload, ProtocolJson.Default.NetworkReport) };
            return kind == LogRecordKind.Started
                ? new RunRecord(time, JsonSerializer.Deserialize(payload, ProtocolJson.Default.StartedReport) ?? new StartedReport { Pid = 0 }, null)
                : new RunRecord(time, null, JsonSerializer.Deserialize(payload, ProtocolJson.Default.ExitReport));
        }
        catch (JsonException)
        {
            // A malformed record still says a run started or ended; what it carried is lost.
            if (kind == LogRecordKind.Network)
                return new RunRecord(time, null, null);
            return kind == LogRecordKind.Started ? new RunRecord(time, new StartedReport { Pid = 0 }, null) : new RunRecord(time, null, null);
        }
    }

    private async Task<int> ReadAtAsync(long at, int count, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < count)
        {
            int n = await RandomAccess.ReadAsync(_file!, _buffer.AsMemory(filled, count - filled), at + filled, cancellationToken);
            if (n == 0)
                break;
            filled += n;
        }
        return filled;
    }

    private bool TryOpen()
    {
        if (_file is not null)
            return true;
        try
        {
            _file = File.OpenHandle(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false; // nothing written yet
        }
    }

    public void Dispose() => _file?.Dispose();
}
