namespace Vic.ImageC.Tests.Fakes;

/// <summary>A synchronous IProgress that keeps every message in order (Progress&lt;T&gt; would post them asynchronously).</summary>
internal sealed class RecordingProgress : IProgress<ProgressMessage>
{
    private readonly List<ProgressMessage> _messages = [];

    public IReadOnlyList<ProgressMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return _messages.ToList();
            }
        }
    }

    public IReadOnlyList<string> Statuses(string? id) => Messages.Where(m => m.Id == id).Select(m => m.Status).ToList();

    public void Report(ProgressMessage value)
    {
        lock (_messages)
        {
            _messages.Add(value);
        }
    }
}
