using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Logs;

/// <summary>
/// Finds how a VM's run ended: the last Exit record written at or after the run's start offset, unless a Started
/// follows it (the tether relaunched the process, and that later run was cut off with the VM: no report).
/// </summary>
internal static class ExitRecordReader
{
    public static async Task<ExitReport?> ReadLastExitAsync(string logPath, long runOffset, CancellationToken cancellationToken)
    {
        using LogFileReader? reader = LogFileReader.Open(logPath, runOffset);
        if (reader is null)
            return null;
        ExitReport? last = null;
        while (await reader.ReadNextAsync(cancellationToken) is { } record)
        {
            if (record.Kind == LogRecordKind.Exit)
                last = Parse(record) ?? last;
            else if (record.Kind == LogRecordKind.Started)
                last = null;
        }
        return last;
    }

    /// <summary>The report an Exit record carries; null when malformed (it still says the run ended, and the
    /// caller falls back to "unexpected exit").</summary>
    public static ExitReport? Parse(LogRecord exitRecord)
    {
        try
        {
            return JsonSerializer.Deserialize(exitRecord.Payload.Span, ProtocolJson.Default.ExitReport);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
