using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

/// <summary>network connect/disconnect: the NIC joins or leaves the container's spec, as a backend records it.</summary>
internal sealed partial class FakeBackend : IContainerNics
{
    public Task ConnectAsync(string containerId, NicSpec nic, CancellationToken cancellationToken)
    {
        var c = Get(containerId);
        lock (c)
            c.Info = c.Info with { Spec = c.Info.Spec with { Nics = [.. c.Info.Spec.Nics, nic] } };
        return Task.CompletedTask;
    }

    public Task DisconnectAsync(string containerId, string networkId, CancellationToken cancellationToken)
    {
        var c = Get(containerId);
        lock (c)
            c.Info = c.Info with { Spec = c.Info.Spec with { Nics = c.Info.Spec.Nics.Where(n => n.NetworkId != networkId).ToList() } };
        return Task.CompletedTask;
    }
}
