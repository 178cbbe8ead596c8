using System.Text.Json;
using Vic.PortLayer;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Tests.Support;

namespace Vic.PortLayer.Qemu.Tests.Unit;

/// <summary>Create, rename, remove and layer bookkeeping with real qemu-img and mkfs, but no VM boots.</summary>
public sealed class ContainerStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly QemuBackendOptions _options;

    public ContainerStoreTests() => _options = BackendFactory.Options(_temp, BackendFactory.FakeContainerBase(_temp));

    public void Dispose() => _temp.Dispose();

    internal static ContainerSpec Spec(string name, string? layer = null, int seed = 1) => new()
    {
        Id = seed.ToString("x").PadLeft(64, 'a'),
        Name = name,
        ImageLayerId = layer,
        Process = new ProcessConfig { Args = ["sh", "-c", "true"] },
    };

    private string ContainersDir => Path.Combine(_options.DatastorePath, "containers");

    [Fact]
    public async Task CreatePersistsConfigAndChildDisk()
    {
        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        ContainerInfo info = await b.Containers.CreateAsync(Spec("web") with { Annotations = new Dictionary<string, string> { ["k"] = "v" } }, default);
        Assert.Equal(ContainerRunState.Created, info.Status.State);
        Assert.True(File.Exists(Path.Combine(info.Location, "disk.qcow2")));
        Assert.True(File.Exists(Path.Combine(_options.DatastorePath, "layers", "base", "disk.qcow2")));
        Assert.EndsWith("output.log", info.LogPath);

        // A second backend on the same datastore (a VCH restart) sees the same container.
        await BackendFactory.ShutdownAsync(b);
        PortLayerServices b2 = await BackendFactory.CreateAsync(_options);
        ContainerInfo again = await b2.Containers.InspectAsync(info.Spec.Id, default);
        Assert.Equal("web", again.Spec.Name);
        Assert.Equal("v", again.Spec.Annotations["k"]);
        Assert.Equal(info.Created, again.Created);
        Assert.Equal(0, (await b2.Containers.WaitAsync(info.Spec.Id, WaitCondition.NotRunning, default)).ExitCode);
    }

    [Fact]
    public async Task NameAndIdConflictsLeaveNothingBehind()
    {
        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        await b.Containers.CreateAsync(Spec("web", seed: 1), default);
        var byName = await Assert.ThrowsAsync<AlreadyExistsException>(() => b.Containers.CreateAsync(Spec("web", seed: 2), default));
        Assert.Contains("\"/web\" is already in use", byName.Message);
        await Assert.ThrowsAsync<AlreadyExistsException>(() => b.Containers.CreateAsync(Spec("other", seed: 1), default));
        Assert.Single(Directory.EnumerateDirectories(ContainersDir));

        ContainerInfo second = await b.Containers.CreateAsync(Spec("db", seed: 3), default);
        await Assert.ThrowsAsync<AlreadyExistsException>(() =>
            b.Containers.UpdateMetadataAsync(second.Spec.Id, "web", new Dictionary<string, string>(), default));
        ContainerInfo renamed = await b.Containers.UpdateMetadataAsync(second.Spec.Id, "db2", new Dictionary<string, string> { ["a"] = "b" }, default);
        Assert.Equal("db2", renamed.Spec.Name);
        // The freed name can be taken again, and the rename is on disk.
        await b.Containers.CreateAsync(Spec("db", seed: 4), default);
        Assert.Equal("db2", ContainerRegistry.ReadRecord(renamed.Location).Spec.Name);
    }

    [Fact]
    public async Task InvalidSpecsAreRefusedBeforeAnythingIsMade()
    {
        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => b.Containers.CreateAsync(Spec("x"), default)); // one-character name
        await Assert.ThrowsAsync<InvalidArgumentException>(() => b.Containers.CreateAsync(Spec("bad/name"), default));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => b.Containers.CreateAsync(Spec("ok") with { Id = "ABC" }, default));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => b.Containers.CreateAsync(Spec("ok") with { MemoryBytes = 16 << 20 }, default));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => b.Containers.CreateAsync(Spec("ok") with { Cpus = Environment.ProcessorCount + 1 }, default));
        await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            b.Containers.CreateAsync(Spec("ok") with { Process = new ProcessConfig { Args = [] } }, default));
        Assert.Empty(Directory.EnumerateFileSystemEntries(ContainersDir));
    }

    [Fact]
    public async Task FailuresCleanUp()
    {
        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        string missingLayer = "sha256:" + new string('1', 64);
        await Assert.ThrowsAsync<NotFoundException>(() => b.Containers.CreateAsync(Spec("web", missingLayer), default));
        Assert.Empty(Directory.EnumerateFileSystemEntries(ContainersDir));

        // A broken qemu-img: the error surfaces and the half-made directory is gone.
        PortLayerServices broken = await BackendFactory.CreateAsync(_options with { QemuImgBinary = "/nonexistent/qemu-img" });
        await Assert.ThrowsAsync<UnavailableException>(() => broken.Containers.CreateAsync(Spec("web"), default));
        Assert.Empty(Directory.EnumerateFileSystemEntries(ContainersDir));
        await Assert.ThrowsAsync<NotFoundException>(() => broken.Containers.InspectAsync(Spec("web").Id, default));
    }

    [Fact]
    public async Task StartFailureReportsQemusMessageAndKeepsTheContainer()
    {
        PortLayerServices b = await BackendFactory.CreateAsync(_options); // the fake kernel cannot boot
        ContainerInfo info = await b.Containers.CreateAsync(Spec("web"), default);
        var e = await Assert.ThrowsAsync<InternalException>(() => b.Containers.StartAsync(info.Spec.Id, default));
        Assert.Contains("QEMU", e.Message);
        ContainerInfo after = await b.Containers.InspectAsync(info.Spec.Id, default);
        Assert.Equal(ContainerRunState.Created, after.Status.State);
        Assert.False(string.IsNullOrEmpty(after.Status.Error));
        Assert.False(File.Exists(Path.Combine(info.Location, "qemu.pid")));
    }

    [Fact]
    public async Task RemoveDeletesEverythingAndRaisesEvents()
    {
        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        var events = new List<ContainerStateChanged>();
        b.Containers.StateChanged += (_, e) => { lock (events) events.Add(e); };
        ContainerInfo info = await b.Containers.CreateAsync(Spec("web"), default);
        Task<ContainerExit> removed = b.Containers.WaitAsync(info.Spec.Id, WaitCondition.Removed, default);
        await b.Containers.RemoveAsync(info.Spec.Id, force: false, default);
        await removed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(Directory.Exists(info.Location));
        Assert.Empty(Directory.EnumerateFileSystemEntries(ContainersDir));
        await Assert.ThrowsAsync<NotFoundException>(() => b.Containers.InspectAsync(info.Spec.Id, default));
        await Assert.ThrowsAsync<NotFoundException>(() => b.Containers.RemoveAsync(info.Spec.Id, false, default));
        Assert.Equal([ContainerRunState.Created, ContainerRunState.Removing], events.Select(e => e.State));
    }

    [Fact]
    public async Task LayersInUseCannotBeRemoved()
    {
        PortLayerServices b = await BackendFactory.CreateAsync(_options);
        await b.Containers.CreateAsync(Spec("seed"), default); // makes the base disk
        string parent = PreparedLayers.Make(_options.DatastorePath, '1', null);
        string child = PreparedLayers.Make(_options.DatastorePath, '2', parent);

        Assert.True(await b.Layers.ExistsAsync(parent, default));
        Assert.Equal(2, (await b.Layers.ListAsync(default)).Count);
        ContainerInfo c = await b.Containers.CreateAsync(Spec("web", child, seed: 2), default);

        await Assert.ThrowsAsync<ConflictException>(() => b.Layers.RemoveLayerAsync(parent, default)); // child layer
        await Assert.ThrowsAsync<ConflictException>(() => b.Layers.RemoveLayerAsync(child, default));  // container
        await b.Containers.RemoveAsync(c.Spec.Id, false, default);
        await b.Layers.RemoveLayerAsync(child, default);
        await b.Layers.RemoveLayerAsync(parent, default);
        Assert.Empty(await b.Layers.ListAsync(default));
        await Assert.ThrowsAsync<NotFoundException>(() => b.Layers.RemoveLayerAsync(parent, default));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => b.Layers.ExistsAsync("latest", default));
    }
}
