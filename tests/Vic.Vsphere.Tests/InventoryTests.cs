using Vic.TestSupport;

namespace Vic.Vsphere.Tests;

[Collection("vcsim")]
public sealed class InventoryTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task FindByInventoryPath_finds_the_cluster_and_returns_null_for_a_missing_path()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var cluster = await client.Inventory.FindByPathAsync(simulator.Description.Cluster!);
        Assert.Equal("ClusterComputeResource", cluster!.Type);
        Assert.Null(await client.Inventory.FindByPathAsync("/DC0/host/no-such-cluster"));
    }

    [Fact]
    public async Task The_placement_objects_resolve_with_their_related_references()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var placement = await Simulator.PlacementAsync(client, simulator);

        Assert.Equal("DC0", placement.Datacenter.Name);
        Assert.Equal("Folder", placement.Datacenter.VmFolder.Type);
        Assert.True(placement.Cluster.IsCluster);
        Assert.Equal(3, placement.Cluster.Hosts.Count);
        Assert.Equal("ResourcePool", placement.Cluster.ResourcePool.Type);
        Assert.Contains(placement.Datastore.Reference, placement.Cluster.Datastores);
        Assert.Equal("LocalDS_0", placement.Datastore.Name);
        Assert.Equal("HostDatastoreBrowser", placement.Datastore.Browser.Type);
        Assert.Equal("[LocalDS_0] a/b.vmdk", placement.Datastore.PathOf("a/b.vmdk").ToString());
        Assert.Equal("VM Network", placement.Network.Name);
        Assert.False(placement.Network.IsDistributed);

        // Relative names resolve the same way as paths.
        Assert.Equal(placement.Cluster.Reference, (await client.Inventory.GetComputeResourceAsync(placement.Datacenter, "DC0_C0")).Reference);
        Assert.Equal(placement.Cluster.ResourcePool, await client.Inventory.GetResourcePoolAsync(simulator.Description.Cluster + "/Resources"));
        Assert.Equal(placement.Datacenter.VmFolder, await client.Inventory.GetFolderAsync("/DC0/vm"));
    }

    [Fact]
    public async Task The_only_datacenter_and_compute_resource_are_picked_when_none_is_named()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var dc = await client.Inventory.GetDatacenterAsync(null);
        Assert.Equal("/DC0", dc.Path);
        var cluster = await client.Inventory.GetComputeResourceAsync(dc, null);
        Assert.Equal("DC0_C0", cluster.Name);
    }

    [Fact]
    public async Task A_distributed_port_group_resolves_with_its_switch_uuid_and_key()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var dc = await client.Inventory.GetDatacenterAsync("/DC0");
        var portgroup = await client.Inventory.GetNetworkAsync(dc, simulator.Description.Portgroup!);
        Assert.True(portgroup.IsDistributed);
        Assert.False(string.IsNullOrEmpty(portgroup.SwitchUuid));
        Assert.Equal(portgroup.Reference.Value, portgroup.PortgroupKey);
    }

    [Fact]
    public async Task Missing_or_mistyped_objects_are_NotFound_naming_the_path()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var dc = await client.Inventory.GetDatacenterAsync("/DC0");
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => client.Inventory.GetDatastoreAsync(dc, "nope"));
        Assert.Equal("datastore /DC0/datastore/nope not found", missing.Message);
        var mistyped = await Assert.ThrowsAsync<NotFoundException>(() => client.Inventory.GetDatacenterAsync("/DC0/vm"));
        Assert.Equal("/DC0/vm is a Folder, not a datacenter", mistyped.Message);
    }
}
