using System.Text;
using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.Tether.Tests.Boot;

/// <summary>What one VM run left behind: its log records and the console, for assertions and failure messages.</summary>
internal sealed record VmResult(List<LogRecord> Records, string Console, int QemuExitCode)
{
    public string Stdout => Text(LogRecordKind.Stdout);
    public string Stderr => Text(LogRecordKind.Stderr);

    public ExitReport Exit
    {
        get
        {
            LogRecord last = Records.LastOrDefault();
            Assert.True(last.Kind == LogRecordKind.Exit, $"the last record is not Exit.\n{this}");
            return JsonSerializer.Deserialize(last.Payload.Span, ProtocolJson.Default.ExitReport)!;
        }
    }

    public bool HasStarted => Records.Any(r => r.Kind == LogRecordKind.Started);

    public override string ToString() => $"Records:\n{TestVm.Describe(Records)}\nConsole:\n{Console}";

    private string Text(LogRecordKind kind) =>
        string.Concat(Records.Where(r => r.Kind == kind).Select(r => Encoding.UTF8.GetString(r.Payload.Span)));
}
