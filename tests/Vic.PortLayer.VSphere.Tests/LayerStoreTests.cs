using Vic.TestSupport;

namespace Vic.PortLayer.VSphere.Tests;

/// <summary>Layers as VMDK chains, applied in applier VMs whose guest <see cref="ApplierGuest"/> plays.</summary>
[Collection("vcsim")]
public sealed class LayerStoreTests(VcenterSimulator simulator)
{
    private static readonly string Layer1 = "sha256:" + new string('1', 64), Layer2 = "sha256:" + new string('2', 64);

    private static MemoryStream Tar()
    {
        var tar = new MemoryStream();
        using (var builder = new LayerTarBuilder(tar))
            builder.File("hello.txt", "hello");
        tar.Position = 0;
        return tar;
    }

    [Fact]
    public async Task A_layer_is_a_child_disk_of_its_parent_written_by_an_applier_vm_that_is_then_destroyed()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        await using var guest = new ApplierGuest(vch.Client, vch.Pool);

        await backend.Layers.WriteLayerAsync(Layer1, null, Tar(), CancellationToken.None);
        await backend.Layers.WriteLayerAsync(Layer2, Layer1, Tar(), CancellationToken.None);
        await backend.Layers.WriteLayerAsync(Layer2, Layer1, Tar(), CancellationToken.None); // existing: no-op

        Assert.Equal(2, guest.Played);
        Assert.True(await backend.Layers.ExistsAsync(Layer2, CancellationToken.None));
        Assert.Equal([Layer1, Layer2], (await backend.Layers.ListAsync(CancellationToken.None)).Select(l => l.LayerId).Order());
        Assert.Empty(await vch.VmsAsync()); // the appliers are gone
        Assert.Empty(await vch.FilesAsync("appliers"));
        // The disk and its metadata stay; the tar, once applied, does not.
        Assert.Equal(["layer-flat.vmdk", "layer.json", "layer.vmdk"], await vch.FilesAsync("images/" + new string('2', 64)));

        // A container's disk is a child of its image's top layer.
        var spec = SimulatedVch.Spec("fromlayer", Layer2);
        await backend.Containers.CreateAsync(spec, CancellationToken.None);
        var vm = Assert.Single(await vch.VmsAsync()).Value.Vm;
        var disk = Assert.Single((await vch.Client.VirtualMachines.GetDevicesAsync(vm)).OfType<Vic.Vsphere.VirtualDisk>());
        Assert.Equal($"[{vch.Datastore.Name}] {vch.RootPath}/images/{new string('2', 64)}/layer.vmdk", disk.Backing.Parent?.FileName);

        var inUse = await Assert.ThrowsAsync<ConflictException>(() => backend.Layers.RemoveLayerAsync(Layer1, CancellationToken.None));
        Assert.Equal($"layer {Layer1} is in use by layer {Layer2}", inUse.Message);
        await Assert.ThrowsAsync<ConflictException>(() => backend.Layers.RemoveLayerAsync(Layer2, CancellationToken.None));
        await backend.Containers.RemoveAsync(spec.Id, false, CancellationToken.None);
        await backend.Layers.RemoveLayerAsync(Layer2, CancellationToken.None);
        Assert.Empty(await vch.FilesAsync("images/" + new string('2', 64)));
    }

    [Fact]
    public async Task A_failure_the_guest_reports_fails_the_write_and_leaves_nothing()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        await using var guest = new ApplierGuest(vch.Client, vch.Pool) { FailWith = "tar: unexpected end of archive" };

        var failed = await Assert.ThrowsAsync<InternalException>(() => backend.Layers.WriteLayerAsync(Layer1, null, Tar(), CancellationToken.None));

        Assert.Contains("tar: unexpected end of archive", failed.Message);
        Assert.False(await backend.Layers.ExistsAsync(Layer1, CancellationToken.None));
        Assert.Empty(await vch.VmsAsync());
        Assert.Equal(["base"], await vch.FilesAsync("images"));
        Assert.Empty(await vch.FilesAsync("appliers"));
    }

    [Fact]
    public async Task A_missing_parent_is_refused_before_anything_is_made()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;

        var missing = await Assert.ThrowsAsync<NotFoundException>(() => backend.Layers.WriteLayerAsync(Layer2, Layer1, Tar(), CancellationToken.None));

        Assert.Equal($"layer {Layer1} not found", missing.Message);
        Assert.Empty(await vch.FilesAsync("images"));
    }
}
