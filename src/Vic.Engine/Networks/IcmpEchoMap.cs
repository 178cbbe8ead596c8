using System.Net;

namespace Vic.Engine.Networks;

/// <summary>
/// The ICMP relay's identifier mapping. Containers choose their echo identifiers freely, so two containers (or two
/// pings in one) may use the same one towards the same address; on the host the relay sends each (container,
/// identifier, destination) under an identifier of its own, unique among the live mappings, and maps the replies back.
/// A mapping lasts as conntrack's ICMP entries do: 30 s after its last request or reply.
/// </summary>
internal sealed class IcmpEchoMap
{
    internal static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    internal const int DefaultCapacity = 4096;

    private readonly OutboundFlowTable<Inside, Mapping> _flows;
    private readonly Dictionary<ushort, Mapping> _byHostId = [];
    private readonly Lock _gate = new();
    private int _next;

    public IcmpEchoMap(TimeProvider time, int capacity = DefaultCapacity, int firstHostId = -1)
    {
        _flows = new OutboundFlowTable<Inside, Mapping>(time, Idle, Idle, capacity);
        // A random start keeps the identifiers of a restarted VCH from matching replies still on their way to the old one.
        _next = firstHostId >= 0 ? firstHostId : Random.Shared.Next(ushort.MaxValue + 1);
    }

    /// <summary>A container's side of an echo exchange.</summary>
    internal readonly record struct Inside(IPAddress Container, ushort Id, IPAddress Destination);

    private sealed record Mapping(Inside From, ushort HostId);

    public int Count
    {
        get
        {
            lock (_gate)
                return _byHostId.Count;
        }
    }

    /// <summary>The host-side identifier for a container's echo request (the same one for every request of that
    /// exchange); null when all 65536 are in use.</summary>
    public ushort? Outbound(IPAddress container, ushort id, IPAddress destination)
    {
        var inside = new Inside(container, id, destination);
        lock (_gate)
        {
            if (_flows.Find(inside) is { } existing)
            {
                _flows.Touch(inside, reply: false);
                return existing.HostId;
            }
            if (_byHostId.Count > ushort.MaxValue)
                return null;
            while (_byHostId.ContainsKey((ushort)_next))
                _next = (_next + 1) & 0xffff;
            var mapping = new Mapping(inside, (ushort)_next);
            _next = (_next + 1) & 0xffff;
            _byHostId[mapping.HostId] = mapping;
            if (_flows.Add(inside, mapping) is { } evicted)
                _byHostId.Remove(evicted.HostId);
            return mapping.HostId;
        }
    }

    /// <summary>Whose echo reply this is: the container and its identifier, when <paramref name="hostId"/> is live and
    /// was sent to <paramref name="from"/>; null otherwise (another program's ping on the host, or an expired one).</summary>
    public Inside? Inbound(IPAddress from, ushort hostId)
    {
        lock (_gate)
        {
            if (!_byHostId.TryGetValue(hostId, out var mapping) || !mapping.From.Destination.Equals(from))
                return null;
            _flows.Touch(mapping.From, reply: true);
            return mapping.From;
        }
    }

    /// <summary>Forgets the mappings idle for longer than <see cref="Idle"/>.</summary>
    public void Expire()
    {
        lock (_gate)
            Forget(_flows.Expire());
    }

    /// <summary>Forgets every mapping of the containers <paramref name="gone"/> says are gone.</summary>
    public void ForgetContainers(Func<IPAddress, bool> gone)
    {
        lock (_gate)
            Forget(_flows.RemoveWhere(inside => gone(inside.Container)));
    }

    private void Forget(IReadOnlyList<Mapping> mappings)
    {
        foreach (var mapping in mappings)
            _byHostId.Remove(mapping.HostId);
    }
}
