using Vic.TestSupport;

namespace Vic.Vsphere.Tests;

[Collection("vcsim")]
public sealed class ResourcePoolTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task A_pool_is_created_with_limits_updated_renamed_and_destroyed()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var placement = await Simulator.PlacementAsync(client, simulator);
        string name = Simulator.UniqueName("vch");
        var cpu = new ResourceAllocation { Reservation = 100, Limit = 2000, ExpandableReservation = false };
        var memory = new ResourceAllocation { Reservation = 256, Limit = 4096, Shares = SharesLevel.High };

        var pool = await client.ResourcePools.CreateAsync(placement.Cluster.ResourcePool, name, cpu, memory);
        Assert.Equal(pool, await client.Inventory.GetResourcePoolAsync($"{simulator.Description.Cluster}/Resources/{name}"));
        var (readCpu, readMemory) = await client.ResourcePools.GetAllocationAsync(pool);
        Assert.Equal((100L, 2000L, false), (readCpu.Reservation, readCpu.Limit, readCpu.ExpandableReservation));
        Assert.Equal((256L, 4096L, SharesLevel.High), (readMemory.Reservation, readMemory.Limit, readMemory.Shares));

        var duplicate = await Assert.ThrowsAsync<DuplicateNameFault>(() => client.ResourcePools.CreateAsync(placement.Cluster.ResourcePool, name));
        Assert.Equal(name, duplicate.Name);

        await client.ResourcePools.UpdateAsync(pool, name + "-renamed", memory: memory with { Limit = 8192 });
        (readCpu, readMemory) = await client.ResourcePools.GetAllocationAsync(pool);
        Assert.Equal(8192, readMemory.Limit);
        Assert.Equal(2000, readCpu.Limit); // the side not given is kept
        Assert.Equal(name + "-renamed", (await client.Properties.RetrieveAsync(pool, "name"))!.AsString());

        await client.ResourcePools.DestroyAsync(pool);
        await Assert.ThrowsAsync<ManagedObjectNotFoundFault>(() => client.ResourcePools.DestroyAsync(pool));
        Assert.Null(await client.Inventory.FindByPathAsync($"{simulator.Description.Cluster}/Resources/{name}-renamed"));
    }
}
