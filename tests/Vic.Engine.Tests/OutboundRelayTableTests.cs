using System.Net;
using Vic.Engine.Networks;

namespace Vic.Engine.Tests;

/// <summary>The outbound relays' connection tracking and ICMP identifier mapping, on a clock the test moves.</summary>
public sealed class OutboundRelayTableTests
{
    /// <summary>A clock that moves only when told: timestamps in ticks of 1 ns.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public long Now { get; private set; }
        public override long TimestampFrequency => 1_000_000_000;
        public override long GetTimestamp() => Now;
        public void Advance(TimeSpan by) => Now += (long)(by.TotalSeconds * TimestampFrequency);
    }

    private sealed class Flow(string name)
    {
        public string Name { get; } = name;
    }

    private static OutboundFlowTable<string, Flow> Table(ManualClock clock, int capacity = 16) =>
        new(clock, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(120), capacity);

    [Fact]
    public void An_unanswered_flow_expires_after_30_seconds_idle_and_activity_from_the_container_keeps_it()
    {
        var clock = new ManualClock();
        var table = Table(clock);
        var flow = new Flow("a");
        Assert.Null(table.Add("a", flow));
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(table.Touch("a", reply: false));
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(table.Expire());
        Assert.Same(flow, table.Find("a"));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([flow], table.Expire());
        Assert.Null(table.Find("a"));
        Assert.False(table.Touch("a", reply: true));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void An_answered_flow_lasts_120_seconds_idle()
    {
        var clock = new ManualClock();
        var table = Table(clock);
        table.Add("a", new Flow("a"));
        table.Add("b", new Flow("b"));
        clock.Advance(TimeSpan.FromSeconds(1));
        table.Touch("a", reply: true);
        Assert.True(table.IsReplied("a"));
        Assert.False(table.IsReplied("b"));
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(["b"], table.Expire().Select(f => f.Name));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(table.Expire());
        // Later traffic from the container does not make it unanswered again.
        table.Touch("a", reply: false);
        clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Empty(table.Expire());
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["a"], table.Expire().Select(f => f.Name));
    }

    [Fact]
    public void A_full_table_evicts_the_idlest_unanswered_flow_before_any_answered_one()
    {
        var clock = new ManualClock();
        var table = Table(clock, capacity: 3);
        table.Add("answered-old", new Flow("answered-old"));
        table.Touch("answered-old", reply: true);
        clock.Advance(TimeSpan.FromSeconds(1));
        table.Add("quiet", new Flow("quiet"));
        clock.Advance(TimeSpan.FromSeconds(1));
        table.Add("recent", new Flow("recent"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("quiet", table.Add("new", new Flow("new"))?.Name);
        Assert.Equal(3, table.Count);
        Assert.Equal("recent", table.Add("newer", new Flow("newer"))?.Name);
        Assert.Equal("new", table.Add("newest", new Flow("newest"))?.Name);
        Assert.NotNull(table.Find("answered-old"));
        // Only answered flows left (and newest): the idlest of all goes.
        table.Touch("newer", reply: true);
        table.Touch("newest", reply: true);
        Assert.Equal("answered-old", table.Add("last", new Flow("last"))?.Name);
    }

    [Fact]
    public void Adding_under_a_key_in_use_returns_the_replaced_flow_and_remove_where_returns_what_matched()
    {
        var table = Table(new ManualClock());
        var first = new Flow("1");
        table.Add("x", first);
        Assert.Same(first, table.Add("x", new Flow("2")));
        table.Add("y", new Flow("3"));
        table.Add("z", new Flow("4"));
        Assert.Equal(["2", "3"], table.RemoveWhere(k => k is "x" or "y").Select(f => f.Name).Order());
        Assert.Equal("4", table.Remove("z")?.Name);
        Assert.Null(table.Remove("z"));
        table.Add("w", new Flow("5"));
        Assert.Equal(["5"], table.Clear().Select(f => f.Name));
        Assert.Equal(0, table.Count);
    }

    private static readonly IPAddress ContainerA = IPAddress.Parse("172.16.0.2");
    private static readonly IPAddress ContainerB = IPAddress.Parse("172.16.0.3");
    private static readonly IPAddress Outside = IPAddress.Parse("10.234.0.2");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("10.234.0.9");

    [Fact]
    public void Echo_identifiers_are_mapped_one_per_container_exchange_and_replies_find_their_container()
    {
        var map = new IcmpEchoMap(new ManualClock(), firstHostId: 100);
        // Both containers picked identifier 7 for the same destination: each gets its own on the host.
        Assert.Equal((ushort)100, map.Outbound(ContainerA, 7, Outside));
        Assert.Equal((ushort)101, map.Outbound(ContainerB, 7, Outside));
        Assert.Equal((ushort)100, map.Outbound(ContainerA, 7, Outside));
        Assert.Equal((ushort)102, map.Outbound(ContainerA, 7, Elsewhere));
        Assert.Equal(3, map.Count);

        Assert.Equal(new IcmpEchoMap.Inside(ContainerA, 7, Outside), map.Inbound(Outside, 100));
        Assert.Equal(new IcmpEchoMap.Inside(ContainerB, 7, Outside), map.Inbound(Outside, 101));
        // A reply under a live identifier from an address it was not sent to is someone else's.
        Assert.Null(map.Inbound(Elsewhere, 100));
        Assert.Null(map.Inbound(Outside, 4242));
    }

    [Fact]
    public void Echo_mappings_expire_after_30_seconds_idle_and_with_their_container_and_identifiers_wrap_past_those_in_use()
    {
        var clock = new ManualClock();
        var map = new IcmpEchoMap(clock, firstHostId: 65535);
        Assert.Equal((ushort)65535, map.Outbound(ContainerA, 1, Outside));
        Assert.Equal((ushort)0, map.Outbound(ContainerB, 1, Outside));
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.NotNull(map.Inbound(Outside, 0));
        clock.Advance(TimeSpan.FromSeconds(20));
        map.Expire();
        Assert.Null(map.Inbound(Outside, 65535));
        Assert.NotNull(map.Inbound(Outside, 0));

        map.ForgetContainers(address => address.Equals(ContainerB));
        Assert.Null(map.Inbound(Outside, 0));
        Assert.Equal(0, map.Count);
    }

    [Fact]
    public void A_full_echo_map_drops_the_idlest_mapping_and_frees_its_identifier()
    {
        var clock = new ManualClock();
        var map = new IcmpEchoMap(clock, capacity: 2, firstHostId: 10);
        map.Outbound(ContainerA, 1, Outside);
        clock.Advance(TimeSpan.FromSeconds(1));
        map.Outbound(ContainerA, 2, Outside);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((ushort)12, map.Outbound(ContainerA, 3, Outside));
        Assert.Equal(2, map.Count);
        Assert.Null(map.Inbound(Outside, 10));
        Assert.NotNull(map.Inbound(Outside, 11));
    }
}
