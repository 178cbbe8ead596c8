using Vic.PortLayer.Qemu.Network;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// <see cref="IContainerNics"/> for containerVMs. The NIC list in the container's spec is what every boot gets. While
/// the VM runs, connect takes a free NIC slot (<see cref="NicSlots"/>): its tap goes onto the network's bridge, then
/// the tether gives the slot's NIC the endpoint's MAC, name and address; disconnect reverses both. Which slot is on
/// which network is read from the taps' bridges in the VCH's namespace, so it needs no record of its own and
/// survives a VCH restart. Changes of one container are serialized by its lock; the spec is saved only after the
/// live change worked, so a failure changes nothing.
/// </summary>
internal sealed class ContainerNics(QemuBackendOptions options, ContainerRegistry registry, VmRunner runner, NamespaceFabric? fabric) : IContainerNics
{
    public async Task ConnectAsync(string containerId, NicSpec nic, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(containerId);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            ContainerSpec spec = entry.Record.Spec;
            if (spec.Nics.Any(n => n.NetworkId == nic.NetworkId))
                throw new ConflictException($"container {containerId} already has a NIC on network {nic.NetworkId}");
            if (fabric is null)
                throw new UnavailableException("container networking is not configured for this VCH (no network namespace)");
            if (entry.IsRunning)
                await PlugAsync(entry, nic, cancellationToken);
            await registry.SaveAsync(entry, entry.Record with { Spec = spec with { Nics = [.. spec.Nics, nic] } }, CancellationToken.None);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    public async Task DisconnectAsync(string containerId, string networkId, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(containerId);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            ContainerSpec spec = entry.Record.Spec;
            NicSpec nic = spec.Nics.FirstOrDefault(n => n.NetworkId == networkId)
                ?? throw new NotFoundException($"container {containerId} has no NIC on network {networkId}");
            if (entry.IsRunning && fabric is not null)
                await UnplugAsync(entry, nic, cancellationToken);
            await registry.SaveAsync(entry, entry.Record with { Spec = spec with { Nics = spec.Nics.Where(n => n != nic).ToList() } }, CancellationToken.None);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    private async Task PlugAsync(ContainerEntry entry, NicSpec nic, CancellationToken cancellationToken)
    {
        ThrowIfPaused(entry);
        var slots = await SlotsAsync(entry, cancellationToken);
        int slot = slots.Where(s => s.Value is null).Select(s => s.Key).DefaultIfEmpty(-1).Min();
        if (slot < 0)
            throw new ConflictException($"container {entry.Id} has no free network slot left in its running VM ({slots.Count} NICs, " +
                "all in use): stop and start it to connect it to more networks");
        string tap = NamespaceFabric.TapName(entry.Id, slot);
        await fabric!.PlugTapAsync(tap, nic.NetworkId, cancellationToken);
        string error;
        try
        {
            error = await ChangeAsync(entry, new NicChange
            {
                SlotMac = NicSlots.SlotMac(entry.Id, slot),
                Interface = new NetworkInterfaceSpec
                {
                    Mac = nic.Mac,
                    Name = NicSlots.GuestName(slot),
                    Address = nic.Address,
                    Gateway = nic.Gateway,
            Dhcp = nic.Dhcp ? new DhcpSpec { DefaultRoute = nic.DhcpRoute, Resolvers = nic.DhcpResolvers } : null,
                    Aliases = nic.Aliases,
                },
            }, cancellationToken);
        }
        catch
        {
            await fabric.UnplugTapAsync(tap, CancellationToken.None);
            throw;
        }
        if (error.Length > 0)
        {
            await fabric.UnplugTapAsync(tap, CancellationToken.None);
            throw new InternalException($"could not connect container {entry.Id} to network {nic.NetworkId}: {error}");
        }
    }

    private async Task UnplugAsync(ContainerEntry entry, NicSpec nic, CancellationToken cancellationToken)
    {
        ThrowIfPaused(entry);
        var slots = await SlotsAsync(entry, cancellationToken);
        string bridge = NamespaceFabric.BridgeName(nic.NetworkId);
        int slot = slots.Where(s => s.Value == bridge).Select(s => s.Key).DefaultIfEmpty(-1).Min();
        if (slot < 0)
            return; // the VM booted before this NIC was added while it was stopping: nothing is plugged
        string error = await ChangeAsync(entry, new NicChange
        {
            SlotMac = NicSlots.SlotMac(entry.Id, slot),
            CurrentMac = nic.Mac,
            SpareName = NicSlots.SpareName(slot),
        }, cancellationToken);
        if (error.Length > 0)
            throw new InternalException($"could not disconnect container {entry.Id} from network {nic.NetworkId}: {error}");
        await fabric!.UnplugTapAsync(NamespaceFabric.TapName(entry.Id, slot), cancellationToken);
    }

    /// <summary>Slot number → the bridge its tap is on (null: free) for the running VM.</summary>
    private async Task<SortedDictionary<int, string?>> SlotsAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        var taps = await fabric!.ListTapsAsync(NamespaceFabric.TapName(entry.Id, 0)[..^1], cancellationToken);
        var slots = new SortedDictionary<int, string?>();
        foreach (var (tap, master) in taps)
        {
            int slot = NicSlots.SlotOf(entry.Id, tap);
            if (slot >= 0)
                slots[slot] = master;
        }
        return slots;
    }

    /// <summary>One NIC change on the control channel, bounded by the launch-report timeout and by the VM stopping.</summary>
    private async Task<string> ChangeAsync(ContainerEntry entry, NicChange change, CancellationToken cancellationToken)
    {
        Task<ContainerExit> stopped = entry.NextExit;
        ControlChannel channel = runner.ChannelFor(entry);
        Task<string> answer = channel.ChangeNicAsync(change, cancellationToken);
        Task first;
        try
        {
            first = await Task.WhenAny(answer, stopped).WaitAsync(options.LaunchReportTimeout, options.TimeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new InternalException($"container {entry.Id} did not answer the network change within {options.LaunchReportTimeout.TotalSeconds:0} s");
        }
        if (first != answer)
            throw new ConflictException($"Container {entry.Id} is not running");
        return await answer;
    }

    private static void ThrowIfPaused(ContainerEntry entry)
    {
        if (entry.IsPaused)
            throw new ConflictException($"Container {entry.Id} is paused. Unpause the container before changing its networks");
    }
}
