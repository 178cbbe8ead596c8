using System.Net.Sockets;

namespace Vic.PortLayer.VSphere;

// What the vSphere backend does not do yet. Each refusal names the backend and the missing piece, so a user sees
// why (501) instead of a fake that pretends to work.

/// <summary>docker exec needs the interaction channel to the tether, which this backend does not implement yet.</summary>
internal sealed class UnsupportedExec(Containers.ContainerTable table) : IContainerExec
{
    public Task<IExecSession> StartAsync(string containerId, ExecSpec spec, CancellationToken cancellationToken)
    {
        var entry = table.Get(containerId);
        if (!entry.IsRunning)
            throw new ConflictException($"Container {containerId} is not running");
        throw new NotSupportedByBackendException("exec is not implemented by the vsphere backend yet: it needs the containerVM's interaction channel");
    }
}

/// <summary>docker stats would come from vSphere's performance manager, which this backend does not read yet.</summary>
internal sealed class UnsupportedStats(Containers.ContainerTable table) : IContainerStats
{
    public Task<VmStats> SampleAsync(string id, CancellationToken cancellationToken)
    {
        table.Get(id);
        throw new NotSupportedByBackendException("stats are not implemented by the vsphere backend yet (vSphere's performance counters are not read)");
    }
}

/// <summary>
/// Docker networks on vSphere: every bridge network's NICs join the VCH's bridge port group (as VIC did), telling
/// networks apart by subnet, so there is no bridge to make per network. The VCH's own sockets on those networks
/// (its DNS server, published ports) exist only inside the appliance VM, which this backend does not run in yet.
/// </summary>
internal sealed class BridgePortgroupFabric(string portgroup) : INetworkFabric
{
    public bool Available => true;

    public Task EnsureBridgeAsync(string networkId, string gatewayCidr, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>On vSphere a container network is a port group the backend was configured with, not a Linux bridge.</summary>
    public Task EnsureUplinkedBridgeAsync(string networkId, string uplink, CancellationToken cancellationToken) =>
        throw new NotSupportedByBackendException($"the vsphere backend joins container networks as port groups (vic-machine --container-network <portgroup>), not the bridge {uplink}");

    public Task RemoveBridgeAsync(string networkId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>On vSphere the bridge port group's way out is the appliance VM's routing, not a namespace of ours:
    /// nothing to program here.</summary>
    public Task SetOutboundAsync(OutboundRoutes routes, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<Socket> CreateSocketAsync(AddressFamily family, SocketType type, ProtocolType protocol, CancellationToken cancellationToken) =>
        throw new NotSupportedByBackendException(
            $"the vsphere backend cannot open sockets on the bridge port group {portgroup} from here: DNS and published ports need the VCH appliance's NIC on it");
}
