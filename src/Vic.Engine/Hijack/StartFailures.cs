using System.Collections.Concurrent;

namespace Vic.Engine.Hijack;

/// <summary>
/// Lets an attach that waits for a container's run give up when that run cannot start (docker run of a missing
/// binary): dockerd ends such attaches by closing the streams; the start route signals it here.
/// </summary>
internal sealed class StartFailures
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _watch = new(StringComparer.Ordinal);

    public CancellationToken Watch(string id) => _watch.GetOrAdd(id, _ => new CancellationTokenSource()).Token;

    public void Signal(string id)
    {
        if (_watch.TryRemove(id, out var cts))
            cts.Cancel();
    }

    /// <summary>Drops the entry of a removed container.</summary>
    public void Forget(string id) => _watch.TryRemove(id, out _);
}
