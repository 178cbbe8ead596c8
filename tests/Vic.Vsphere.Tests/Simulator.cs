using Vic.TestSupport;

namespace Vic.Vsphere.Tests;

/// <summary>One simulator shared by the test classes of the "vcsim" collection; each test names what it creates uniquely.</summary>
[CollectionDefinition("vcsim")]
public sealed class SimulatorCollection : ICollectionFixture<VcenterSimulator>;

/// <summary>Connecting to a simulator and resolving its standard inventory.</summary>
internal static class Simulator
{
    public static VsphereClientOptions Options(VcenterSimulator simulator, string? password = null, string? thumbprint = null) => new()
    {
        Url = simulator.Url,
        Username = simulator.Username,
        Password = password ?? simulator.Password,
        Thumbprint = thumbprint ?? simulator.Thumbprint,
    };

    public static Task<VsphereClient> ConnectAsync(VcenterSimulator simulator) => VsphereClient.ConnectAsync(Options(simulator));

    /// <summary>The datacenter, cluster, datastore and network every VM test places things in.</summary>
    public static async Task<Placement> PlacementAsync(VsphereClient client, VcenterSimulator simulator)
    {
        var dc = await client.Inventory.GetDatacenterAsync(simulator.Description.Datacenter);
        var cluster = await client.Inventory.GetComputeResourceAsync(dc, simulator.Description.Cluster);
        var datastore = await client.Inventory.GetDatastoreAsync(dc, simulator.Description.Datastore);
        var network = await client.Inventory.GetNetworkAsync(dc, simulator.Description.Network);
        return new Placement(dc, cluster, datastore, network);
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}

internal sealed record Placement(Datacenter Datacenter, ComputeResource Cluster, Datastore Datastore, Network Network);
