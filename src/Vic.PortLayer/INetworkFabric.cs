using System.Net.Sockets;

namespace Vic.PortLayer;

/// <summary>One virtio NIC of a containerVM and how the guest configures it (IPv4).</summary>
public sealed record NicSpec
{
    /// <summary>The network (bridge) the NIC is plugged into.</summary>
    public required string NetworkId { get; init; }

    /// <summary>Locally administered unicast MAC, lowercase ("02:42:ac:10:00:02").</summary>
    public required string Mac { get; init; }

    /// <summary>Address with prefix length ("172.16.0.2/16"); empty when <see cref="Dhcp"/> is set.</summary>
    public required string Address { get; init; }

    /// <summary>Default route via this address; empty for none (an internal network, or a NIC that is not the first).</summary>
    public string Gateway { get; init; } = "";

    /// <summary>The guest gets its address from a DHCP server on the network (a container network without a static
    /// range); the lease shows in <see cref="ContainerStatus.Leases"/> once the guest has it.</summary>
    public bool Dhcp { get; init; }

    /// <summary>With <see cref="Dhcp"/>: the lease's router is the container's default route (the way
    /// <see cref="Gateway"/> says it for a static address).</summary>
    public bool DhcpRoute { get; init; }

    /// <summary>With <see cref="Dhcp"/>: the lease's DNS servers go to the guest's resolv.conf (the container set none).</summary>
    public bool DhcpResolvers { get; init; }

    /// <summary>Names the container has on this network (written to the guest's /etc/hosts with the address).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

public sealed record DnsConfig
{
    public IReadOnlyList<string> Nameservers { get; init; } = [];
    public IReadOnlyList<string> Search { get; init; } = [];
    public IReadOnlyList<string> Options { get; init; } = [];
}

/// <summary>An /etc/hosts line for the guest.</summary>
public sealed record HostAlias(string Address, IReadOnlyList<string> Names);

/// <summary>What <see cref="INetworkFabric.SetOutboundAsync"/> routes: connections from the bridges of
/// <paramref name="NetworkIds"/> to anywhere but the fabric itself and <paramref name="InsideSubnets"/> (every network
/// of the VCH, which must stay isolated from each other even where the host has a route to the same range).</summary>
public sealed record OutboundRoutes(int ProxyPort, IReadOnlyList<string> NetworkIds, IReadOnlyList<string> InsideSubnets)
{
    /// <summary>The fabric-side UDP port of the VCH's outbound UDP relay (a socket with IP_TRANSPARENT and
    /// IP_RECVORIGDSTADDR): unicast UDP from the same bridges to the same destinations is delivered to it with its
    /// original destination intact. 0: UDP does not leave (only DNS to the VCH's own resolver is answered).</summary>
    public int UdpRelayPort { get; init; }

    /// <summary>ICMP echo requests from the same bridges to the same destinations are delivered to the fabric itself,
    /// unanswered by its kernel, where a raw ICMP socket made with <see cref="INetworkFabric.CreateSocketAsync"/> reads
    /// them and answers for the destination. False: ping to outside addresses gets no answer.</summary>
    public bool IcmpEcho { get; init; }
}

/// <summary>
/// The VCH's private L2/L3 world: one bridge per network, which containerVM NICs plug into. Locally it lives in a
/// network namespace of the VCH's own, so the host's interfaces, routes and firewall are never touched; bridges in
/// it do not route to each other, so networks are isolated. Sockets the personality needs inside it (its DNS server on
/// each gateway address, connections for published ports) are made through <see cref="CreateSocketAsync"/>.
/// </summary>
public interface INetworkFabric
{
    /// <summary>False when this backend was set up without networking; containers then get no NICs.</summary>
    bool Available { get; }

    /// <summary>Creates the network's bridge with the gateway address on it ("172.16.0.1/16"), or checks an existing one.</summary>
    Task EnsureBridgeAsync(string networkId, string gatewayCidr, CancellationToken cancellationToken);

    /// <summary>
    /// A bridge for a container network: no address of the VCH's on it, joined to the existing bridge
    /// <paramref name="uplink"/> ("br0" in the host's network namespace, or "netns/br0" in a named one), so containerVMs
    /// on it are directly on that network. Creates what is missing; an uplink that does not exist is an error.
    /// </summary>
    Task EnsureUplinkedBridgeAsync(string networkId, string uplink, CancellationToken cancellationToken);

    /// <summary>Removes the network's bridge; a missing one is not an error.</summary>
    Task RemoveBridgeAsync(string networkId, CancellationToken cancellationToken);

    /// <summary>
    /// Sends TCP connections that containers on <see cref="OutboundRoutes.NetworkIds"/> open to addresses outside the
    /// VCH's networks to <see cref="OutboundRoutes.ProxyPort"/> on the fabric's side (where the original destination
    /// can be read from the socket), so the VCH can open them again from the host: outbound NAT without touching the
    /// host's firewall or forwarding. UDP and ICMP echo go the same way when <see cref="OutboundRoutes.UdpRelayPort"/>
    /// and <see cref="OutboundRoutes.IcmpEcho"/> ask for them; a fabric that cannot deliver them (no TPROXY in the
    /// host's kernel) still routes TCP and says so in its log. Replaces the previous routes; an empty network list
    /// turns outbound off.
    /// </summary>
    Task SetOutboundAsync(OutboundRoutes routes, CancellationToken cancellationToken);

    /// <summary>A socket that lives in the fabric (binds and connects happen there).</summary>
    Task<Socket> CreateSocketAsync(AddressFamily family, SocketType type, ProtocolType protocol, CancellationToken cancellationToken);
}
