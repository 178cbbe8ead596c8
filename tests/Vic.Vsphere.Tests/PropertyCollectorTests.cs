using Vic.TestSupport;

namespace Vic.Vsphere.Tests;

[Collection("vcsim")]
public sealed class PropertyCollectorTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task Everything_below_the_root_folder_is_reachable_with_the_inventory_traversal()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var root = client.ServiceContent.RootFolder;

        var hosts = await client.Properties.RetrieveAsync(PropertyFilter.Below(root, "HostSystem", "name", "runtime.connectionState"));
        Assert.Equal(simulator.Description.Hosts.Select(h => h[(h.LastIndexOf('/') + 1)..]).Order(), hosts.Select(h => h.Required("name").AsString()).Order());
        Assert.All(hosts, h => Assert.Equal("connected", h.Required("runtime.connectionState").AsString()));

        var datastores = await client.Properties.RetrieveAsync(PropertyFilter.Below(root, "Datastore", "name", "summary.capacity"));
        var datastore = Assert.Single(datastores);
        Assert.True(datastore.Required("summary.capacity").AsLong() > 0);

        var pools = await client.Properties.RetrieveAsync(PropertyFilter.Below(root, "ResourcePool", "name", "parent"));
        Assert.Contains(pools, p => p.Required("name").AsString() == "Resources" && p.Required("parent").AsReference().Type == "ClusterComputeResource");
    }

    [Fact]
    public async Task Several_properties_of_one_object_come_back_typed_and_unset_ones_are_absent()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var cluster = (await client.Inventory.FindByPathAsync(simulator.Description.Cluster!))!;
        var content = await client.Properties.RetrieveAsync(cluster, ["name", "host", "parent", "summary.numHosts"]);
        Assert.Equal(cluster, content.Object);
        Assert.Equal("DC0_C0", content.Required("name").AsString());
        Assert.Equal(3, content.Required("host").AsReferences().Count);
        Assert.Equal("ArrayOfManagedObjectReference", content.Required("host").Type);
        Assert.Equal(3, content.Required("summary.numHosts").AsInt());
        Assert.Empty(content.Missing);
    }

    [Fact]
    public async Task A_bad_moref_in_a_method_call_surfaces_the_simulators_ManagedObjectNotFound()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var bogus = new ManagedObjectReference("VirtualMachine", "vm-does-not-exist");
        var fault = await Assert.ThrowsAsync<ManagedObjectNotFoundFault>(() => client.VirtualMachines.PowerOnAsync(bogus));
        Assert.Equal("PowerOnVM_Task", fault.Method);
        Assert.Equal(bogus, fault.Object);
        Assert.Contains("vm-does-not-exist", fault.Message);
    }

    [Fact]
    public async Task A_watch_reports_the_current_value_then_a_power_state_change()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var placement = await Simulator.PlacementAsync(client, simulator);
        string name = Simulator.UniqueName("watch");
        var vm = await client.VirtualMachines.CreateAsync(placement.Datacenter.VmFolder, placement.Cluster.ResourcePool,
            new VmConfigSpec { Name = name, GuestId = "otherLinux64Guest", VmPathName = $"[{placement.Datastore.Name}]", NumCpus = 1, MemoryMb = 64 });
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await using var updates = client.Properties.WatchAsync(PropertyFilter.For(vm, "runtime.powerState"), cancel.Token).GetAsyncEnumerator(cancel.Token);

            Assert.True(await updates.MoveNextAsync());
            Assert.Equal(ObjectUpdateKind.Enter, updates.Current.Kind);
            Assert.Equal("poweredOff", updates.Current["runtime.powerState"]!.AsString());

            var next = updates.MoveNextAsync().AsTask();
            await client.VirtualMachines.PowerOnAsync(vm);
            Assert.True(await next);
            Assert.Equal(ObjectUpdateKind.Modify, updates.Current.Kind);
            Assert.Equal(vm, updates.Current.Object);
            Assert.Equal("poweredOn", updates.Current["runtime.powerState"]!.AsString());
        }
        finally
        {
            await client.VirtualMachines.PowerOffAsync(vm);
            await client.VirtualMachines.DestroyAsync(vm);
        }
    }
}
