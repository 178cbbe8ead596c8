using Vic.TestSupport;

namespace Vic.Vsphere.Tests;

[Collection("vcsim")]
public sealed class DatastoreTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task Mkdir_upload_download_list_and_delete_round_trip_the_bytes()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var placement = await Simulator.PlacementAsync(client, simulator);
        string folder = Simulator.UniqueName("files");
        var dir = placement.Datastore.PathOf(folder + "/nested");
        await client.Datastores.MakeDirectoryAsync(placement.Datacenter, dir);
        await Assert.ThrowsAsync<FileAlreadyExistsFault>(() => client.Datastores.MakeDirectoryAsync(placement.Datacenter, dir, createParents: false));

        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(8).NextBytes(bytes);
        var file = dir.Combine("blob name.bin");
        await client.Datastores.UploadAsync(placement.Datacenter, file, new MemoryStream(bytes));

        using var downloaded = new MemoryStream();
        long count = await client.Datastores.DownloadAsync(placement.Datacenter, file, downloaded);
        Assert.Equal(bytes.Length, count);
        Assert.Equal(bytes, downloaded.ToArray());

        var listing = await client.Datastores.ListAsync(placement.Datastore, folder + "/nested");
        var entry = Assert.Single(listing);
        Assert.Equal(("blob name.bin", (long?)bytes.Length, false), (entry.Name, entry.Size, entry.IsFolder));
        Assert.True(await client.Datastores.ExistsAsync(placement.Datastore, folder + "/nested/blob name.bin"));

        await client.Datastores.DeleteAsync(placement.Datacenter, placement.Datastore.PathOf(folder));
        Assert.False(await client.Datastores.ExistsAsync(placement.Datastore, folder + "/nested/blob name.bin"));
        Assert.False(await client.Datastores.ExistsAsync(placement.Datastore, folder));
        var gone = await Assert.ThrowsAsync<FileNotFoundFault>(() => client.Datastores.DownloadAsync(placement.Datacenter, file, Stream.Null));
        Assert.Contains("HTTP 404", gone.Message);
        await Assert.ThrowsAsync<FileNotFoundFault>(() => client.Datastores.DeleteAsync(placement.Datacenter, placement.Datastore.PathOf(folder)));
    }

    [Fact]
    public async Task Disks_are_created_copied_and_deleted()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var placement = await Simulator.PlacementAsync(client, simulator);
        string folder = Simulator.UniqueName("disks");
        await client.Datastores.MakeDirectoryAsync(placement.Datacenter, placement.Datastore.PathOf(folder));
        var disk = placement.Datastore.PathOf(folder + "/base.vmdk");
        var copy = placement.Datastore.PathOf(folder + "/copy.vmdk");

        await client.Disks.CreateAsync(placement.Datacenter, disk, capacityKb: 1024 * 1024);
        await Assert.ThrowsAsync<FileAlreadyExistsFault>(() => client.Disks.CreateAsync(placement.Datacenter, disk, 1024));
        await client.Disks.CopyAsync(placement.Datacenter, disk, copy);
        var names = (await client.Datastores.ListAsync(placement.Datastore, folder)).Select(f => f.Name).Order().ToList();
        Assert.Contains("base.vmdk", names);
        Assert.Contains("copy.vmdk", names);

        await client.Disks.DeleteAsync(placement.Datacenter, disk);
        await client.Disks.DeleteAsync(placement.Datacenter, copy);
        Assert.DoesNotContain((await client.Datastores.ListAsync(placement.Datastore, folder)), f => f.Name.EndsWith(".vmdk", StringComparison.Ordinal));
        await Assert.ThrowsAsync<FileNotFoundFault>(() => client.Disks.DeleteAsync(placement.Datacenter, disk));
        await client.Datastores.DeleteAsync(placement.Datacenter, placement.Datastore.PathOf(folder));
    }
}
