using Microsoft.Extensions.Logging.Abstractions;
using Vic.TestSupport;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Tests;

/// <summary>One simulator shared by the test classes of the "vcsim" collection; each test makes a VCH (pool, name) of its own.</summary>
[CollectionDefinition("vcsim")]
public sealed class SimulatorCollection : ICollectionFixture<VcenterSimulator>;

/// <summary>
/// A VCH's footprint on the simulator, made the way vic-machine makes it: a resource pool of its own in the cluster
/// and a container base uploaded to the datastore. The simulator boots nothing, so the ISO is a placeholder file
/// (its bytes are never read); kernel-release beside it is what docker info shows. <see cref="Client"/> is a
/// separate session that tests use to look at (and act on) the inventory as an operator would.
/// </summary>
internal sealed class SimulatedVch : IAsyncDisposable
{
    public const string BasePath = "vic-base";

    private SimulatedVch(VcenterSimulator simulator, VsphereClient client, string name, ManagedObjectReference pool, string poolPath, Datacenter dc, Datastore ds)
    {
        Simulator = simulator;
        Client = client;
        Name = name;
        Pool = pool;
        PoolPath = poolPath;
        Datacenter = dc;
        Datastore = ds;
    }

    public VcenterSimulator Simulator { get; }
    public VsphereClient Client { get; }
    public string Name { get; }
    public ManagedObjectReference Pool { get; }
    public string PoolPath { get; }
    public Datacenter Datacenter { get; }
    public Datastore Datastore { get; }

    /// <summary>The VCH's folder on the image store: "vch-images/&lt;name&gt;".</summary>
    public string RootPath => $"vch-images/{Name}";

    public static async Task<SimulatedVch> CreateAsync(VcenterSimulator simulator)
    {
        var client = await VsphereClient.ConnectAsync(new VsphereClientOptions
        {
            Url = simulator.Url, Username = simulator.Username, Password = simulator.Password, Thumbprint = simulator.Thumbprint,
        });
        string name = "vch" + Guid.NewGuid().ToString("N")[..8];
        var dc = await client.Inventory.GetDatacenterAsync(simulator.Description.Datacenter);
        var cluster = await client.Inventory.GetComputeResourceAsync(dc, simulator.Description.Cluster);
        var pool = await client.ResourcePools.CreateAsync(cluster.ResourcePool, name);
        var ds = await client.Inventory.GetDatastoreAsync(dc, simulator.Description.Datastore);
        if (!await client.Datastores.ExistsAsync(ds, BasePath + "/container-base.iso"))
        {
            await client.Datastores.UploadAsync(dc, ds.PathOf(BasePath + "/container-base.iso"), new MemoryStream("placeholder: the simulator boots nothing"u8.ToArray()));
            await client.Datastores.UploadAsync(dc, ds.PathOf(BasePath + "/kernel-release"), new MemoryStream("6.1.0-test-amd64\n"u8.ToArray()));
        }
        return new SimulatedVch(simulator, client, name, pool, $"{cluster.Name}/Resources/{name}", dc, ds);
    }

    public VSphereBackendOptions Options(string? password = null) => new()
    {
        VchName = Name,
        Target = new Uri(Simulator.Url, Simulator.Description.Datacenter),
        Username = Simulator.Username,
        Password = password ?? Simulator.Password,
        Thumbprint = Simulator.Thumbprint,
        ResourcePool = $"{Simulator.Description.Cluster}/Resources/{Name}",
        ImageStore = $"{Datastore.Name}/vch-images",
        BridgeNetwork = "VM Network",
        ContainerBase = $"[{Datastore.Name}] {BasePath}",
        LayerApplyTimeout = TimeSpan.FromSeconds(60),
        LogPollInterval = TimeSpan.FromMilliseconds(200),
    };

    public Task<PortLayerServices> StartBackendAsync(VSphereBackendOptions? options = null) =>
        VSphereBackend.CreateAsync(options ?? Options(), NullLoggerFactory.Instance, CancellationToken.None);

    /// <summary>Every VM in the VCH's pool: name → (reference, power state).</summary>
    public async Task<Dictionary<string, (ManagedObjectReference Vm, string Power)>> VmsAsync()
    {
        var vms = await Client.Properties.RetrieveAsync(PropertyFilter.VmsInPool(Pool, "name", "runtime.powerState"));
        return vms.ToDictionary(v => v["name"]!.AsString(), v => (v.Object, v["runtime.powerState"]!.AsString()));
    }

    /// <summary>Names directly in a folder below the VCH's root on the datastore (empty when it does not exist).</summary>
    public async Task<List<string>> FilesAsync(string folder)
    {
        try
        {
            return (await Client.Datastores.ListAsync(Datastore, $"{RootPath}/{folder}".TrimEnd('/'))).Select(f => f.Name).Order().ToList();
        }
        catch (FileNotFoundFault)
        {
            return [];
        }
    }

    public static ContainerSpec Spec(string name, string? layer = null, params string[] args) => new()
    {
        Id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray())),
        Name = name,
        ImageLayerId = layer,
        Process = new ProcessConfig { Args = args.Length > 0 ? args : ["/bin/sleep", "1000"] },
        MemoryBytes = 256L * 1024 * 1024,
        Cpus = 2,
        Nics = [new NicSpec { NetworkId = "bridge", Mac = "02:42:ac:10:00:02", Address = "172.16.0.2/16", Gateway = "172.16.0.1" }],
    };

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var (vm, power) in (await VmsAsync()).Values)
            {
                if (power == "poweredOn")
                    await Client.VirtualMachines.PowerOffAsync(vm);
                await Client.VirtualMachines.DestroyAsync(vm);
            }
            await Client.ResourcePools.DestroyAsync(Pool);
        }
        finally
        {
            await Client.DisposeAsync();
        }
    }
}
