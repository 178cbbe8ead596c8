namespace Vic.Engine.Networks;

/// <summary>
/// The relays' connection tracking: flows by key, each forgotten after an idle time that depends on whether the
/// outside ever answered, as conntrack does for UDP (30 s unreplied, 120 s once a reply came) and ICMP (30 s). At most
/// <c>capacity</c> flows: adding one more evicts the idlest unanswered flow (else the idlest of all), so a container
/// spraying destinations cannot grow the VCH without bound. Thread-safe. Removed flows are returned to the caller,
/// which owns them (their sockets) and disposes them.
/// </summary>
internal sealed class OutboundFlowTable<TKey, TFlow>(TimeProvider time, TimeSpan unrepliedIdle, TimeSpan repliedIdle, int capacity)
    where TKey : notnull
    where TFlow : class
{
    private readonly Dictionary<TKey, Entry> _entries = [];
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
                return _entries.Count;
        }
    }

    /// <summary>The flow for <paramref name="key"/>, or null; looking does not count as activity.</summary>
    public TFlow? Find(TKey key)
    {
        lock (_gate)
            return _entries.TryGetValue(key, out var entry) ? entry.Flow : null;
    }

    /// <summary>Adds a flow (unreplied, active now). Returns the flow it evicted to make room, or the one it replaced
    /// under the same key, for the caller to dispose; null when none.</summary>
    public TFlow? Add(TKey key, TFlow flow)
    {
        lock (_gate)
        {
            TFlow? removed = null;
            if (_entries.Remove(key, out var replaced))
                removed = replaced.Flow;
            else if (_entries.Count >= capacity && Idlest() is { } victim)
            {
                // The idlest unanswered flow goes first: an answered one is most likely still wanted.
                removed = _entries[victim].Flow;
                _entries.Remove(victim);
            }
            _entries[key] = new Entry(flow, time.GetTimestamp());
            return removed;
        }
    }

    /// <summary>Activity on a flow: from the container (<paramref name="reply"/> false) or from the outside (true,
    /// which also makes the flow "replied" and gives it the longer idle time). False when the flow is gone.</summary>
    public bool Touch(TKey key, bool reply)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
                return false;
            entry.LastActive = time.GetTimestamp();
            entry.Replied |= reply;
            return true;
        }
    }

    public bool IsReplied(TKey key)
    {
        lock (_gate)
            return _entries.TryGetValue(key, out var entry) && entry.Replied;
    }

    /// <summary>Removes and returns the flows idle for longer than their limit.</summary>
    public IReadOnlyList<TFlow> Expire() => RemoveWhere((_, entry) => time.GetElapsedTime(entry.LastActive) > (entry.Replied ? repliedIdle : unrepliedIdle));

    /// <summary>Removes and returns the flows whose key matches (e.g. those of a container that is gone).</summary>
    public IReadOnlyList<TFlow> RemoveWhere(Func<TKey, bool> match) => RemoveWhere((key, _) => match(key));

    public TFlow? Remove(TKey key)
    {
        lock (_gate)
            return _entries.Remove(key, out var entry) ? entry.Flow : null;
    }

    /// <summary>Removes and returns every flow (the relay is stopping).</summary>
    public IReadOnlyList<TFlow> Clear() => RemoveWhere((_, _) => true);

    private IReadOnlyList<TFlow> RemoveWhere(Func<TKey, Entry, bool> match)
    {
        lock (_gate)
        {
            var keys = _entries.Where(e => match(e.Key, e.Value)).Select(e => e.Key).ToList();
            var removed = new List<TFlow>(keys.Count);
            foreach (var key in keys)
            {
                removed.Add(_entries[key].Flow);
                _entries.Remove(key);
            }
            return removed;
        }
    }

    /// <summary>The eviction victim: unreplied before replied, then the longest idle.</summary>
    private TKey? Idlest()
    {
        KeyValuePair<TKey, Entry>? best = null;
        foreach (var candidate in _entries)
        {
            if (best is not { } current || (candidate.Value.Replied, candidate.Value.LastActive).CompareTo((current.Value.Replied, current.Value.LastActive)) < 0)
                best = candidate;
        }
        return best is { } found ? found.Key : default;
    }

    private sealed class Entry(TFlow flow, long lastActive)
    {
        public TFlow Flow { get; } = flow;
        public long LastActive { get; set; } = lastActive;
        public bool Replied { get; set; }
    }
}
