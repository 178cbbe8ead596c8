using System.Text;
using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Tests.Support;

/// <summary>Writes output.log frames the way the tether does, for log and rebuild tests.</summary>
internal static class LogFileWriter
{
    public static byte[] Frame(LogRecordKind kind, DateTimeOffset time, byte[] payload)
    {
        var bytes = new byte[LogRecord.HeaderLength + payload.Length];
        long nanos = (time - DateTimeOffset.UnixEpoch).Ticks * 100;
        LogRecord.WriteHeader(bytes, kind, payload.Length, nanos);
        payload.CopyTo(bytes, LogRecord.HeaderLength);
        return bytes;
    }

    public static byte[] Text(LogRecordKind kind, DateTimeOffset time, string text) => Frame(kind, time, Encoding.UTF8.GetBytes(text));

    public static byte[] Exit(DateTimeOffset time, int code, string? error = null) =>
        Frame(LogRecordKind.Exit, time, JsonSerializer.SerializeToUtf8Bytes(new ExitReport { ExitCode = code, Error = error }, ProtocolJson.Default.ExitReport));

    /// <summary>An Exit record of a run the tether relaunches after <paramref name="relaunchDelayMs"/>.</summary>
    public static byte[] RelaunchExit(DateTimeOffset time, int code, long relaunchDelayMs) =>
        Frame(LogRecordKind.Exit, time, JsonSerializer.SerializeToUtf8Bytes(new ExitReport { ExitCode = code, RelaunchDelayMs = relaunchDelayMs }, ProtocolJson.Default.ExitReport));

    public static byte[] Started(DateTimeOffset time, int pid, int run) =>
        Frame(LogRecordKind.Started, time, JsonSerializer.SerializeToUtf8Bytes(new StartedReport { Pid = pid, Run = run }, ProtocolJson.Default.StartedReport));

    public static void Append(string path, params byte[][] frames)
    {
        using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        foreach (byte[] frame in frames)
            f.Write(frame);
    }
}
