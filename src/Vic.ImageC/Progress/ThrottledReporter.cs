namespace Vic.ImageC.Progress;

/// <summary>
/// Serialises progress lines from concurrent layer tasks into one sink, and throttles byte counters to one line
/// per layer and status every 100 ms (plus the first and the last) so a large layer does not flood the client.
/// </summary>
internal sealed class ThrottledReporter(IProgress<ProgressMessage> sink, TimeProvider time)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<(string Id, string Status), long> _last = [];

    public void Counter(string id, string status, long current, long total)
    {
        long now = time.GetTimestamp();
        lock (_last)
        {
            bool due = !_last.TryGetValue((id, status), out long last) || time.GetElapsedTime(last, now) >= Interval || current >= total;
            if (due)
            {
                _last[(id, status)] = now;
                sink.Report(new ProgressMessage { Id = id, Status = status, Current = current, Total = total });
            }
        }
    }

    public void Report(string? id, string status)
    {
        lock (_last)
        {
            sink.Report(new ProgressMessage { Id = id, Status = status });
        }
    }

    public void Emit(ProgressMessage message)
    {
        lock (_last)
        {
            sink.Report(message);
        }
    }
}
