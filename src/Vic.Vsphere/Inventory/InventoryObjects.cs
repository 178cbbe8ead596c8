namespace Vic.Vsphere;

// What inventory lookups resolve to: a reference plus the related references callers need next.

/// <summary>A datacenter and its four top-level folders; <see cref="Path"/> is its inventory path ("/DC0").</summary>
public sealed record Datacenter(ManagedObjectReference Reference, string Name, string Path,
    ManagedObjectReference VmFolder, ManagedObjectReference HostFolder, ManagedObjectReference DatastoreFolder, ManagedObjectReference NetworkFolder);

/// <summary>A cluster (ClusterComputeResource) or standalone host (ComputeResource), its root pool, hosts and datastores.</summary>
public sealed record ComputeResource(ManagedObjectReference Reference, string Name, ManagedObjectReference ResourcePool,
    IReadOnlyList<ManagedObjectReference> Hosts, IReadOnlyList<ManagedObjectReference> Datastores)
{
    public bool IsCluster => Reference.Type == "ClusterComputeResource";
}

/// <summary>A datastore; <see cref="Browser"/> searches its files; <see cref="Url"/> is its server-side location (info.url).</summary>
public sealed record Datastore(ManagedObjectReference Reference, string Name, ManagedObjectReference Browser, string? Url)
{
    /// <summary>"[name] path" on this datastore.</summary>
    public DatastorePath PathOf(string path) => new(Name, path);
}

/// <summary>
/// A network a NIC can join: a standard port group ("Network", joined by name) or a distributed port group
/// (joined by <see cref="SwitchUuid"/> and <see cref="PortgroupKey"/>).
/// </summary>
public sealed record Network(ManagedObjectReference Reference, string Name, string? SwitchUuid = null, string? PortgroupKey = null)
{
    public bool IsDistributed => Reference.Type == "DistributedVirtualPortgroup";
}
