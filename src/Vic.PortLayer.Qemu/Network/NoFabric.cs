using System.Net.Sockets;

namespace Vic.PortLayer.Qemu.Network;

/// <summary>The fabric of a backend configured without a network namespace: containers run without NICs.</summary>
internal sealed class NoFabric : INetworkFabric
{
    private const string Why = "container networking is not configured for this VCH (no network namespace)";

    public bool Available => false;

    public Task EnsureBridgeAsync(string networkId, string gatewayCidr, CancellationToken cancellationToken) =>
        throw new UnavailableException(Why);

    public Task EnsureUplinkedBridgeAsync(string networkId, string uplink, CancellationToken cancellationToken) =>
        throw new UnavailableException(Why);

    public Task RemoveBridgeAsync(string networkId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Without a fabric no container has a NIC, so there is nothing to route.</summary>
    public Task SetOutboundAsync(OutboundRoutes routes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<Socket> CreateSocketAsync(AddressFamily family, SocketType type, ProtocolType protocol, CancellationToken cancellationToken) =>
        throw new UnavailableException(Why);
}
