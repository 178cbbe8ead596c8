using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Logs;

/// <summary>Finds how a run ended: the last Exit record written at or after the run's start offset.</summary>
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
            if (record.Kind != LogRecordKind.Exit)
                continue;
            try
            {
                last = JsonSerializer.Deserialize(record.Payload.Span, ProtocolJson.Default.ExitReport) ?? last;
            }
            catch (JsonException)
            {
                // A malformed report still says the run ended; the caller falls back to "unexpected exit".
            }
        }
        return last;
    }
}
