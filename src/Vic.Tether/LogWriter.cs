using System.Text;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The only writer of the log port. One lock around every frame so records of concurrent pumps never
/// interleave; timestamps never go backwards so readers can merge streams by time.
/// </summary>
internal sealed unsafe class LogWriter(int fd, DebugConsole console) : IOutputSink, IRunRecords
{
    private readonly Lock _lock = new();
    private long _lastTimestamp;

    public void Write(LogRecordKind kind, ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            long now = Clock.UnixNanos();
            _lastTimestamp = Math.Max(now, _lastTimestamp + 1);
            foreach (byte[] frame in LogFraming.Encode(kind, _lastTimestamp, payload.ToArray()))
            {
                WriteAll(frame);
            }
        }
    }

    /// <summary>A diagnostic line from the tether; mirrored to the console when vic.debug is on.</summary>
    public void Tether(string message)
    {
        console.WriteLine(message);
        Write(LogRecordKind.Tether, Encoding.UTF8.GetBytes(message));
    }

    /// <summary>A progress line for the console only (vic.debug), for boot timing.</summary>
    public void Debug(string message) => console.WriteLine(message);

    public void Started(int pid) => Started(pid, 0);

    /// <summary>Run <paramref name="run"/> of the container's process started (1 for the first launch in this VM).</summary>
    public void Started(int pid, int run) =>
        Write(LogRecordKind.Started, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new StartedReport { Pid = pid, Run = run }, ProtocolJson.Default.StartedReport));

    public void Exit(ExitReport report)
    {
        console.WriteLine($"exit {report.ExitCode} {report.Error}{(report.RelaunchDelayMs is long delay ? $" (relaunch in {delay} ms)" : "")}");
        Write(LogRecordKind.Exit, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(report, ProtocolJson.Default.ExitReport));
    }

    private void WriteAll(byte[] frame)
    {
        fixed (byte* start = frame)
        {
            int offset = 0;
            while (offset < frame.Length)
            {
                nint n = Libc.write(fd, start + offset, frame.Length - offset);
                if (n < 0)
                {
                    if (Sys.LastErrno == Consts.EINTR)
                    {
                        continue;
                    }
                    // Nowhere left to report it: the log port is the channel of last resort.
                    console.WriteLine($"log port write failed: {Sys.Describe(Sys.LastErrno)}");
                    return;
                }
                offset += (int)n;
            }
        }
    }
}
