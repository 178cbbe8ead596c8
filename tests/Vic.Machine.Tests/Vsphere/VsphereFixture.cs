using Vic.Machine.Vsphere;
using Vic.TestSupport;
using Vic.Vsphere;

namespace Vic.Machine.Tests.Vsphere;

[CollectionDefinition("vcsim")]
public sealed class SimulatorCollection : ICollectionFixture<VcenterSimulator>;

/// <summary>
/// Connections, requests and inventory snapshots for the vic-machine tests against the simulator. The images
/// uploaded are small files of random bytes standing in for the container base and appliance image: the tests
/// check that what was uploaded is what arrives, not what boots (the simulator runs no guest).
/// </summary>
internal sealed class VsphereFixture : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();

    private VsphereFixture(VcenterSimulator simulator, VsphereSession session)
    {
        Simulator = simulator;
        Session = session;
        Directory.CreateDirectory(BaseDirectory);
        Directory.CreateDirectory(ApplianceDirectory);
        WriteImages(0x11);
    }

    public VcenterSimulator Simulator { get; }
    public VsphereSession Session { get; }
    public VsphereClient Client => Session.Client;
    public string BaseDirectory => _temp.File("container-base");
    public string ApplianceDirectory => _temp.File("appliance");
    public string Root => _temp.Path;

    public VsphereTarget Target => TargetOf(Simulator);

    public static VsphereTarget TargetOf(VcenterSimulator simulator, string? thumbprint = null) =>
        VsphereTarget.Parse(simulator.Url.ToString().Replace("/sdk", simulator.Description.Datacenter, StringComparison.Ordinal),
            simulator.Username, simulator.Password, thumbprint ?? simulator.Thumbprint);

    public static async Task<VsphereFixture> StartAsync(VcenterSimulator simulator) =>
        new(simulator, await TargetOf(simulator).ConnectAsync(CancellationToken.None));

    /// <summary>Fresh image contents (a different seed gives a different upload stamp).</summary>
    public void WriteImages(byte seed)
    {
        var random = new Random(seed);
        File.WriteAllBytes(Path.Combine(BaseDirectory, "vmlinuz"), Bytes(random, 70_000));
        File.WriteAllBytes(Path.Combine(BaseDirectory, "initramfs.cpio"), Bytes(random, 40_000));
        File.WriteAllBytes(Path.Combine(ApplianceDirectory, "appliance.img"), Bytes(random, 200_001));
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    public CreateRequest Request(string name) => new()
    {
        Name = name,
        ComputeResource = Simulator.Description.Cluster,
        ImageStore = "LocalDS_0",
        BridgeNetwork = "DC0_DVPG0",
        ContainerNetworks = ["VM Network:external"],
        VolumeStores = [$"LocalDS_0/volumes/{name}:default"],
        MemoryBytes = 4L << 30,
        Cpus = 2,
        MaxContainers = 20,
        CertPath = _temp.File($"certs-{name}"),
        ApplianceDirectory = ApplianceDirectory,
        ContainerBaseDirectory = BaseDirectory,
    };

    public async Task<FoundVch> CreateAsync(CreateRequest request, Func<string, Task>? beforeStep = null)
    {
        var plan = await CreateValidator.ValidateAsync(Session, request, TextWriter.Null, CancellationToken.None);
        await new VchCreator(Session, TextWriter.Null) { BeforeStep = beforeStep }.CreateAsync(plan, CancellationToken.None);
        return await VchFinder.GetAsync(Session, request.Name, CancellationToken.None);
    }

    public Task<FoundVch> FindAsync(string name) => VchFinder.GetAsync(Session, name, CancellationToken.None);

    public async Task<Datastore> DatastoreAsync() => await Client.Inventory.GetDatastoreAsync(Session.Datacenter, "LocalDS_0");

    public async Task<bool> ExistsOnDatastoreAsync(string path) => await Client.Datastores.ExistsAsync(await DatastoreAsync(), path);

    public async Task<byte[]> DownloadAsync(string datastorePath)
    {
        using var buffer = new MemoryStream();
        await Client.Datastores.DownloadAsync(Session.Datacenter, DatastorePath.Parse(datastorePath), buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Everything create makes, read through the API: the VM folder tree (folders and VMs), the pools under the
    /// cluster, and the datastore's files, three levels deep. Equal snapshots mean nothing was left behind.
    /// </summary>
    public async Task<IReadOnlyList<string>> SnapshotAsync()
    {
        var lines = new List<string>();
        var vms = await Client.Properties.RetrieveAsync(new PropertyFilter(
            [new PropertySelection("VirtualMachine", ["name"]), new PropertySelection("Folder", ["name"])],
            [new ObjectSelection(Session.Datacenter.VmFolder, true, Traversals.Folders)]));
        lines.AddRange(vms.Select(o => $"inventory {o.Object.Type} {o["name"]?.AsString()}"));
        var cluster = await Client.Inventory.GetComputeResourceAsync(Session.Datacenter, Simulator.Description.Cluster);
        foreach (var pool in (await Client.Properties.RetrieveAsync(cluster.ResourcePool, "resourcePool"))?.AsReferences() ?? [])
            lines.Add($"pool {(await Client.Properties.RetrieveAsync(pool, "name"))!.AsString()}");
        var ds = await DatastoreAsync();
        await ListAsync(ds, "", 3, lines);
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private async Task ListAsync(Datastore ds, string folder, int depth, List<string> lines)
    {
        foreach (var file in await Client.Datastores.ListAsync(ds, folder))
        {
            string path = folder.Length == 0 ? file.Name : $"{folder}/{file.Name}";
            lines.Add($"file {path}");
            if (file.IsFolder && depth > 1)
                await ListAsync(ds, path, depth - 1, lines);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync();
        _temp.Dispose();
    }
}
