using System.Buffers.Binary;
using Vic.Tether.Protocol;

namespace Vic.Tether.Tests;

public sealed class DhcpMessageTests
{
    private static readonly byte[] Mac = [0x02, 0x42, 0x0a, 0x00, 0x00, 0x07];

    [Fact]
    public void EncodesTheBootpHeaderAndOptionsAndDecodesThemBack()
    {
        var message = new DhcpMessage
        {
            TransactionId = 0xDEADBEEF,
            Seconds = 3,
            Broadcast = true,
            ClientAddress = 0x0A000005,
            HardwareAddress = Mac,
            Type = DhcpMessageType.Request,
            ClientId = [1, .. Mac],
            RequestedAddress = 0x0A000064,
            ServerId = 0x0A000001,
            HostName = "web",
            ParameterRequests = DhcpMessage.RequestedParameters,
        };
        byte[] packet = message.Encode();

        Assert.Equal(300, packet.Length); // padded to BOOTP's minimum
        Assert.Equal(1, packet[0]); // BOOTREQUEST
        Assert.Equal((1, 6), (packet[1], packet[2])); // Ethernet, 6-byte address
        Assert.Equal(0xDEADBEEFu, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(4)));
        Assert.Equal(0x8000, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(10)));
        Assert.Equal(Mac, packet.AsSpan(28, 6).ToArray());
        Assert.Equal(0x63825363u, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(236)));
        Assert.Equal([53, 1, 3], packet.AsSpan(240, 3).ToArray()); // the message type comes first

        DhcpMessage decoded = DhcpMessage.Decode(packet, out string? error)!;
        Assert.Null(error);
        Assert.Equal(message.TransactionId, decoded.TransactionId);
        Assert.False(decoded.IsReply);
        Assert.True(decoded.Broadcast);
        Assert.Equal(DhcpMessageType.Request, decoded.Type);
        Assert.Equal(message.ClientId, decoded.ClientId);
        Assert.Equal((0x0A000005u, 0x0A000064u, 0x0A000001u), (decoded.ClientAddress, decoded.RequestedAddress, decoded.ServerId));
        Assert.Equal("web", decoded.HostName);
        Assert.Equal(DhcpMessage.RequestedParameters, decoded.ParameterRequests);
    }

    [Fact]
    public void DecodesAServersAckWithEveryLeaseOption()
    {
        // An ACK as a server writes it: options in its own order, a pad, DNS servers repeated across two options.
        var packet = new byte[240];
        packet[0] = 2;
        packet[1] = 1;
        packet[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), 42);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), 0xC0A80A32); // yiaddr 192.168.10.50
        Mac.CopyTo(packet, 28);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(236), 0x63825363);
        byte[] options =
        [
            54, 4, 192, 168, 10, 1,
            51, 4, 0, 0, 0x0e, 0x10, // 3600 s
            0,
            53, 1, 5,
            58, 4, 0, 0, 0x07, 0x08, // T1 1800
            59, 4, 0, 0, 0x0c, 0x4e, // T2 3150
            1, 4, 255, 255, 255, 0,
            3, 8, 192, 168, 10, 1, 192, 168, 10, 2,
            6, 4, 192, 168, 10, 1,
            6, 4, 9, 9, 9, 9,
            15, 8, (byte)'l', (byte)'a', (byte)'n', (byte)'.', (byte)'t', (byte)'e', (byte)'s', (byte)'t',
            255,
        ];

        DhcpMessage ack = DhcpMessage.Decode([.. packet, .. options], out string? error)!;

        Assert.Null(error);
        Assert.True(ack.IsReply);
        Assert.Equal(DhcpMessageType.Ack, ack.Type);
        Assert.Equal(0xC0A80A32u, ack.YourAddress);
        Assert.Equal(0xC0A80A01u, ack.ServerId);
        Assert.Equal((3600u, 1800u, 3150u), (ack.LeaseSeconds!.Value, ack.RenewalSeconds!.Value, ack.RebindingSeconds!.Value));
        Assert.Equal(0xFFFFFF00u, ack.SubnetMask);
        Assert.Equal([0xC0A80A01u, 0xC0A80A02u], ack.Routers);
        Assert.Equal([0xC0A80A01u, 0x09090909u], ack.DnsServers);
        Assert.Equal("lan.test", ack.DomainName);
    }

    [Theory]
    [InlineData(100, "100 bytes is too short for a DHCP message")]
    [InlineData(300, "no DHCP magic cookie")]
    public void RefusesWhatIsNotADhcpMessage(int length, string expected)
    {
        var packet = new byte[length];
        if (length > 3)
        {
            packet[0] = 2;
            packet[1] = 1;
            packet[2] = 6;
        }
        Assert.Null(DhcpMessage.Decode(packet, out string? error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void RefusesAnOptionThatRunsPastTheEnd()
    {
        byte[] packet = new DhcpMessage { IsReply = true, Type = DhcpMessageType.Offer, HardwareAddress = Mac }.Encode();
        packet[243] = 54; // replaces End with a server id claiming more bytes than remain
        packet[244] = 200;
        Assert.Null(DhcpMessage.Decode(packet.AsSpan(0, 250), out string? error));
        Assert.Equal("option 54 runs past the end of the message", error);
    }
}

public sealed class DhcpClientTests
{
    private const uint Server = 0x0A000001, Offered = 0x0A000064, Broadcast = 0xFFFFFFFF;
    private static readonly byte[] Mac = [0x02, 0x42, 0x0a, 0x00, 0x00, 0x07];

    private uint _nextXid = 100;

    private DhcpClient NewClient() => new(Mac, "web", () => _nextXid++);

    private static DhcpMessage Reply(DhcpMessage request, DhcpMessageType type, uint address = Offered, uint lease = 600) => new()
    {
        IsReply = true,
        TransactionId = request.TransactionId,
        HardwareAddress = Mac,
        YourAddress = type == DhcpMessageType.Nak ? 0 : address,
        Type = type,
        ServerId = Server,
        SubnetMask = 0xFFFFFF00,
        Routers = [Server],
        DnsServers = [Server],
        DomainName = "lan.test",
        LeaseSeconds = lease,
    };

    private static DhcpSend Sent(List<DhcpAction> actions) => Assert.Single(actions.OfType<DhcpSend>());

    /// <summary>DISCOVER, OFFER, REQUEST, ACK at t=0: the client is bound to <see cref="Offered"/>.</summary>
    private (DhcpClient Client, DhcpLease Lease) Bound()
    {
        DhcpClient client = NewClient();
        DhcpSend discover = Sent(client.Start(0));
        DhcpSend request = Sent(client.OnMessage(Reply(discover.Message, DhcpMessageType.Offer), 10));
        DhcpBound bound = Assert.Single(client.OnMessage(Reply(request.Message, DhcpMessageType.Ack), 20).OfType<DhcpBound>());
        return (client, bound.Lease);
    }

    [Fact]
    public void DiscoverOfferRequestAckBindsTheOfferedAddressWithItsOptions()
    {
        DhcpClient client = NewClient();

        DhcpSend discover = Sent(client.Start(0));
        Assert.Equal(Broadcast, discover.Destination);
        Assert.Equal(DhcpMessageType.Discover, discover.Message.Type);
        Assert.True(discover.Message.Broadcast);
        Assert.Equal([1, .. Mac], discover.Message.ClientId); // the client identifier is the MAC: same MAC, same lease
        Assert.Equal(DhcpState.Selecting, client.State);

        DhcpSend request = Sent(client.OnMessage(Reply(discover.Message, DhcpMessageType.Offer), 10));
        Assert.Equal((DhcpMessageType.Request, Broadcast), (request.Message.Type, request.Destination));
        Assert.Equal((Offered, Server), (request.Message.RequestedAddress, request.Message.ServerId));
        Assert.Equal(discover.Message.TransactionId, request.Message.TransactionId);
        Assert.Equal(DhcpState.Requesting, client.State);

        List<DhcpAction> actions = client.OnMessage(Reply(request.Message, DhcpMessageType.Ack), 20);
        DhcpBound bound = Assert.IsType<DhcpBound>(Assert.Single(actions));
        Assert.True(bound.Reconfigure);
        Assert.Equal("10.0.0.100/24", bound.Lease.Address.ToString());
        Assert.Equal(Server, bound.Lease.Router);
        Assert.Equal([Server], bound.Lease.DnsServers);
        Assert.Equal("lan.test", bound.Lease.DomainName);
        Assert.Equal((20 + 300_000L, 20 + 525_000L, 20 + 600_000L), (bound.Lease.RenewAtMs, bound.Lease.RebindAtMs, bound.Lease.ExpiresAtMs));
        Assert.Equal(DhcpState.Bound, client.State);
        Assert.Equal(bound.Lease.RenewAtMs, client.TimerAtMs);
    }

    [Fact]
    public void RetransmitsTheDiscoverWithGrowingDelays()
    {
        DhcpClient client = NewClient();
        client.Start(0);
        Assert.Equal(1000, client.TimerAtMs);
        Assert.Empty(client.OnTimer(999)); // not yet due

        DhcpSend again = Sent(client.OnTimer(1000));
        Assert.Equal(DhcpMessageType.Discover, again.Message.Type);
        Assert.Equal(1000 + 2000, client.TimerAtMs);
        Assert.Equal(1, again.Message.Seconds);
        Sent(client.OnTimer(3000));
        Assert.Equal(3000 + 4000, client.TimerAtMs);
    }

    [Fact]
    public void IgnoresRepliesForAnotherTransactionOrClient()
    {
        DhcpClient client = NewClient();
        DhcpSend discover = Sent(client.Start(0));

        Assert.Empty(client.OnMessage(Reply(discover.Message, DhcpMessageType.Offer) with { TransactionId = 7 }, 5));
        Assert.Empty(client.OnMessage(Reply(discover.Message, DhcpMessageType.Offer) with { HardwareAddress = [2, 0, 0, 0, 0, 1] }, 5));
        Assert.Empty(client.OnMessage(discover.Message, 5)); // its own broadcast, looped back
        Assert.Empty(client.OnMessage(Reply(discover.Message, DhcpMessageType.Ack), 5)); // an ACK before any REQUEST
        Assert.Equal(DhcpState.Selecting, client.State);
    }

    [Fact]
    public void ANakToTheRequestStartsOverWithANewDiscover()
    {
        DhcpClient client = NewClient();
        DhcpSend discover = Sent(client.Start(0));
        DhcpSend request = Sent(client.OnMessage(Reply(discover.Message, DhcpMessageType.Offer), 10));

        DhcpSend again = Sent(client.OnMessage(Reply(request.Message, DhcpMessageType.Nak), 20));

        Assert.Equal(DhcpMessageType.Discover, again.Message.Type);
        Assert.NotEqual(request.Message.TransactionId, again.Message.TransactionId);
        Assert.Equal(DhcpState.Selecting, client.State);
    }

    [Fact]
    public void AnUnansweredRequestFallsBackToDiscoverAfterFourTries()
    {
        DhcpClient client = NewClient();
        DhcpSend discover = Sent(client.Start(0));
        client.OnMessage(Reply(discover.Message, DhcpMessageType.Offer), 0);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(DhcpMessageType.Request, Sent(client.OnTimer(client.TimerAtMs!.Value)).Message.Type);
        }
        Assert.Equal(DhcpMessageType.Discover, Sent(client.OnTimer(client.TimerAtMs!.Value)).Message.Type);
    }

    [Fact]
    public void RenewsAtT1ByUnicastToItsServerAndKeepsTheAddress()
    {
        (DhcpClient client, DhcpLease lease) = Bound();

        DhcpSend renew = Sent(client.OnTimer(lease.RenewAtMs));

        Assert.Equal(DhcpState.Renewing, client.State);
        Assert.Equal(Server, renew.Destination);
        Assert.Equal(DhcpMessageType.Request, renew.Message.Type);
        Assert.Equal(Offered, renew.Message.ClientAddress);
        Assert.Equal((0u, 0u), (renew.Message.RequestedAddress, renew.Message.ServerId)); // RFC 2131 4.3.2: not while renewing
        Assert.Equal(lease.RenewAtMs + 112_500, client.TimerAtMs); // half the time left until T2

        DhcpBound renewed = Assert.IsType<DhcpBound>(Assert.Single(client.OnMessage(Reply(renew.Message, DhcpMessageType.Ack), lease.RenewAtMs + 5)));
        Assert.False(renewed.Reconfigure); // same address: only reported
        Assert.Equal(DhcpState.Bound, client.State);
        Assert.Equal(lease.RenewAtMs + 5 + 300_000, client.TimerAtMs);
    }

    [Fact]
    public void RebindsByBroadcastAtT2AndGivesTheAddressUpAtExpiry()
    {
        (DhcpClient client, DhcpLease lease) = Bound();
        client.OnTimer(lease.RenewAtMs);
        List<DhcpAction> rebind = [];
        while (client.State == DhcpState.Renewing)
        {
            rebind = client.OnTimer(client.TimerAtMs!.Value);
            if (client.State == DhcpState.Renewing)
            {
                Assert.Equal(Server, Sent(rebind).Destination); // renewal retransmissions stay unicast
            }
        }
        Assert.Equal(DhcpState.Rebinding, client.State);
        DhcpSend first = Sent(rebind);
        Assert.Equal((Broadcast, Offered), (first.Destination, first.Message.ClientAddress));

        long now = lease.RebindAtMs;
        List<DhcpAction> last = [];
        while (client.State == DhcpState.Rebinding)
        {
            now = client.TimerAtMs!.Value;
            last = client.OnTimer(now);
            if (client.State == DhcpState.Rebinding)
            {
                Assert.Equal(Broadcast, Sent(last).Destination);
            }
        }

        Assert.Equal(lease.ExpiresAtMs, now);
        DhcpUnbound unbound = Assert.IsType<DhcpUnbound>(last[0]);
        Assert.Contains("expired", unbound.Reason);
        DhcpSend discover = Assert.IsType<DhcpSend>(last[1]);
        Assert.Equal(DhcpMessageType.Discover, discover.Message.Type);
        Assert.Equal(Offered, discover.Message.RequestedAddress); // asks for its old address back
        Assert.Null(client.Lease);
    }

    [Fact]
    public void ANakWhileRenewingTakesTheAddressAwayAndStartsOver()
    {
        (DhcpClient client, DhcpLease lease) = Bound();
        DhcpSend renew = Sent(client.OnTimer(lease.RenewAtMs));

        List<DhcpAction> actions = client.OnMessage(Reply(renew.Message, DhcpMessageType.Nak) with { Message = "wrong network" }, lease.RenewAtMs + 1);

        Assert.Equal("the DHCP server refused to extend the lease of 10.0.0.100/24 (wrong network)", Assert.IsType<DhcpUnbound>(actions[0]).Reason);
        Assert.Equal(DhcpMessageType.Discover, Assert.IsType<DhcpSend>(actions[1]).Message.Type);
        Assert.Equal(DhcpState.Selecting, client.State);
    }

    [Fact]
    public void AnAckWithANewAddressWhileRenewingMovesTheInterface()
    {
        (DhcpClient client, DhcpLease lease) = Bound();
        DhcpSend renew = Sent(client.OnTimer(lease.RenewAtMs));

        List<DhcpAction> actions = client.OnMessage(Reply(renew.Message, DhcpMessageType.Ack, address: 0x0A000065), lease.RenewAtMs + 1);

        Assert.IsType<DhcpUnbound>(actions[0]);
        DhcpBound bound = Assert.IsType<DhcpBound>(actions[1]);
        Assert.True(bound.Reconfigure);
        Assert.Equal("10.0.0.101/24", bound.Lease.Address.ToString());
    }

    [Fact]
    public void ReleaseSendsDhcpReleaseToTheServerAndGoesIdle()
    {
        (DhcpClient client, _) = Bound();

        List<DhcpAction> actions = client.Release();

        DhcpSend release = Assert.IsType<DhcpSend>(actions[0]);
        Assert.Equal((DhcpMessageType.Release, Server), (release.Message.Type, release.Destination));
        Assert.Equal((Offered, Server), (release.Message.ClientAddress, release.Message.ServerId));
        Assert.IsType<DhcpUnbound>(actions[1]);
        Assert.Equal(DhcpState.Idle, client.State);
        Assert.Null(client.TimerAtMs);
        Assert.Empty(client.Release()); // nothing held any more
    }

    [Fact]
    public void ALeaseWithoutTimesOrMaskTakesTheDefaults()
    {
        var ack = new DhcpMessage { IsReply = true, Type = DhcpMessageType.Ack, YourAddress = 0xC0A80105, ServerId = Server, HardwareAddress = Mac };

        DhcpLease lease = DhcpLease.FromAck(ack, Server, 0);

        Assert.Equal("192.168.1.5/24", lease.Address.ToString()); // classful
        Assert.Equal((1_800_000L, 3_150_000L, 3_600_000L), (lease.RenewAtMs, lease.RebindAtMs, lease.ExpiresAtMs));
        Assert.Null(lease.Router);
    }
}

public sealed class DhcpSpecTests
{
    private static readonly DhcpLease Lease = new(new Ipv4Cidr(0x0A000064, 24), 0x0A000001, [0x0A000001, 0x0A000002], "lan.test", 0x0A000001, 600, 0, 0, 0);

    private static VmSpec Spec(DnsSpec? dns) => new()
    {
        Mode = VmMode.Container,
        Id = "c1",
        Interfaces = [new NetworkInterfaceSpec { Mac = "02:42:0A:00:00:07", Name = "eth0", Address = "", Aliases = ["web"], Dhcp = new DhcpSpec { DefaultRoute = true, Resolvers = true } }],
        Dns = dns,
    };

    [Fact]
    public void TheLeaseGivesTheInterfaceItsAddressAndResolvConfItsServersAndDomain()
    {
        VmSpec leased = LeasedSpec.Apply(Spec(new DnsSpec { Options = ["ndots:2"] }), new Dictionary<string, DhcpLease> { ["02:42:0a:00:00:07"] = Lease });

        Assert.Equal("10.0.0.100/24", leased.Interfaces[0].Address);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], leased.Dns!.Nameservers);
        Assert.Equal(["lan.test"], leased.Dns.Search);
        Assert.Equal(["ndots:2"], leased.Dns.Options);
        Assert.Contains("10.0.0.100\tc1 web\n", EtcHosts.Render("c1", "", leased.Interfaces, []));
    }

    [Fact]
    public void TheContainersOwnDnsWinsAndNoLeaseLeavesNoHostsLine()
    {
        VmSpec spec = Spec(new DnsSpec { Nameservers = ["8.8.8.8"], Search = ["corp"] });

        VmSpec leased = LeasedSpec.Apply(spec, new Dictionary<string, DhcpLease> { ["02:42:0a:00:00:07"] = Lease });
        Assert.Equal(["8.8.8.8"], leased.Dns!.Nameservers);
        Assert.Equal(["corp"], leased.Dns.Search);

        VmSpec unleased = LeasedSpec.Apply(spec, new Dictionary<string, DhcpLease>());
        Assert.Equal("", unleased.Interfaces[0].Address);
        Assert.Equal(EtcHosts.Defaults, EtcHosts.Render("c1", "", unleased.Interfaces, []));
    }

    [Fact]
    public void ThePlanTakesADhcpInterfaceWithoutAddressAndRefusesOneWithStaticSettings()
    {
        var dhcp = new NetworkInterfaceSpec { Mac = "02:42:0a:00:00:07", Name = "eth0", Address = "", Dhcp = new DhcpSpec { DefaultRoute = true } };
        InterfacePlan plan = Assert.Single(NetworkPlan.Build([dhcp], out string? error)!);
        Assert.Null(error);
        Assert.True(plan.Routes);

        Assert.Null(NetworkPlan.Build([dhcp with { Address = "10.0.0.5/24" }], out error));
        Assert.Equal("network interface eth0: a DHCP interface takes no static address or gateway", error);

        var routed = new NetworkInterfaceSpec { Mac = "02:42:ac:10:00:02", Name = "eth1", Address = "172.16.0.2/16", Gateway = "172.16.0.1" };
        Assert.Null(NetworkPlan.Build([dhcp, routed], out error));
        Assert.Equal("network interface eth1: only one interface may have a gateway (the default route is already via eth0)", error);
    }
}
