using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>
/// Finds inventory objects by path (SearchIndex.FindByInventoryPath, paths like "/DC0/host/DC0_C0") and
/// resolves the objects VM placement needs. Lookups that find nothing throw <see cref="NotFoundException"/>
/// naming the path; <see cref="FindByPathAsync"/> returns null instead.
/// </summary>
public sealed class Inventory
{
    private readonly VsphereClient _client;

    internal Inventory(VsphereClient client) => _client = client;

    /// <summary>The object at an inventory path, or null.</summary>
    public async Task<ManagedObjectReference?> FindByPathAsync(string inventoryPath, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("FindByInventoryPath", _client.ServiceContent.SearchIndex,
            [Vim.El("inventoryPath", inventoryPath.TrimEnd('/'))], cancellationToken);
        return VsphereClient.ReturnValue(response) is { } found ? Vim.ReadRef(found) : null;
    }

    /// <summary>A child of a folder or datacenter by name (SearchIndex.FindChild), or null.</summary>
    public async Task<ManagedObjectReference?> FindChildAsync(ManagedObjectReference parent, string name, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("FindChild", _client.ServiceContent.SearchIndex,
            [Vim.Ref("entity", parent), Vim.El("name", name)], cancellationToken);
        return VsphereClient.ReturnValue(response) is { } found ? Vim.ReadRef(found) : null;
    }

    /// <summary>A datacenter by inventory path ("/DC0"), or the only one when <paramref name="path"/> is null.</summary>
    public async Task<Datacenter> GetDatacenterAsync(string? path, CancellationToken cancellationToken = default)
    {
        ManagedObjectReference reference;
        if (path is null)
        {
            var all = await _client.Properties.RetrieveAsync(new PropertyFilter([new PropertySelection("Datacenter", ["name"])],
                [new ObjectSelection(_client.ServiceContent.RootFolder, true, Traversals.FolderTree)]), cancellationToken);
            if (all.Count != 1)
            {
                throw new NotFoundException($"{all.Count} datacenters exist; name one of: {string.Join(", ", all.Select(d => "/" + d["name"]?.AsString()))}");
            }
            reference = all[0].Object;
            path = "/" + all[0].Required("name").AsString();
        }
        else
        {
            reference = await ExpectAsync(path, "Datacenter", cancellationToken);
        }
        var dc = await _client.Properties.RetrieveAsync(reference, ["name", "vmFolder", "hostFolder", "datastoreFolder", "networkFolder"], cancellationToken);
        return new Datacenter(reference, dc.Required("name").AsString(), "/" + path.Trim('/'),
            dc.Required("vmFolder").AsReference(), dc.Required("hostFolder").AsReference(),
            dc.Required("datastoreFolder").AsReference(), dc.Required("networkFolder").AsReference());
    }

    /// <summary>
    /// A compute resource by inventory path, or by name relative to the datacenter's host folder
    /// ("DC0_C0" or "/DC0/host/DC0_C0"); null picks the only one.
    /// </summary>
    public async Task<ComputeResource> GetComputeResourceAsync(Datacenter datacenter, string? pathOrName, CancellationToken cancellationToken = default)
    {
        ManagedObjectReference reference;
        if (pathOrName is null)
        {
            var all = await _client.Properties.RetrieveAsync(
                new PropertyFilter([new PropertySelection("ComputeResource", ["name"])], [new ObjectSelection(datacenter.HostFolder, true, Traversals.FolderTree)]),
                cancellationToken);
            if (all.Count != 1)
            {
                throw new NotFoundException($"{all.Count} compute resources in {datacenter.Path}; name one of: {string.Join(", ", all.Select(c => c["name"]?.AsString()))}");
            }
            reference = all[0].Object;
        }
        else
        {
            string path = pathOrName.StartsWith('/') ? pathOrName : $"{datacenter.Path}/host/{pathOrName}";
            reference = await FindByPathAsync(path, cancellationToken) ?? throw new NotFoundException($"compute resource {path} not found");
            if (reference.Type is not ("ComputeResource" or "ClusterComputeResource"))
            {
                throw new NotFoundException($"{path} is a {reference.Type}, not a cluster or compute resource");
            }
        }
        var cr = await _client.Properties.RetrieveAsync(reference, ["name", "resourcePool", "host", "datastore"], cancellationToken);
        return new ComputeResource(reference, cr.Required("name").AsString(), cr.Required("resourcePool").AsReference(),
            cr["host"]?.AsReferences() ?? [], cr["datastore"]?.AsReferences() ?? []);
    }

    /// <summary>A resource pool (or vApp) by inventory path ("/DC0/host/DC0_C0/Resources/vch1").</summary>
    public Task<ManagedObjectReference> GetResourcePoolAsync(string path, CancellationToken cancellationToken = default) =>
        ExpectAsync(path, "ResourcePool", cancellationToken, "VirtualApp");

    /// <summary>A VM folder by inventory path ("/DC0/vm/containers").</summary>
    public Task<ManagedObjectReference> GetFolderAsync(string path, CancellationToken cancellationToken = default) =>
        ExpectAsync(path, "Folder", cancellationToken);

    /// <summary>A datastore by name (or inventory path) in a datacenter.</summary>
    public async Task<Datastore> GetDatastoreAsync(Datacenter datacenter, string nameOrPath, CancellationToken cancellationToken = default)
    {
        string path = nameOrPath.StartsWith('/') ? nameOrPath : $"{datacenter.Path}/datastore/{nameOrPath}";
        var reference = await ExpectAsync(path, "Datastore", cancellationToken);
        var ds = await _client.Properties.RetrieveAsync(reference, ["name", "browser", "info.url"], cancellationToken);
        return new Datastore(reference, ds.Required("name").AsString(), ds.Required("browser").AsReference(), ds["info.url"]?.AsString());
    }

    /// <summary>A network or distributed port group by name (or inventory path) in a datacenter.</summary>
    public async Task<Network> GetNetworkAsync(Datacenter datacenter, string nameOrPath, CancellationToken cancellationToken = default)
    {
        string path = nameOrPath.StartsWith('/') ? nameOrPath : $"{datacenter.Path}/network/{nameOrPath}";
        var reference = await FindByPathAsync(path, cancellationToken) ?? throw new NotFoundException($"network {path} not found");
        if (reference.Type == "DistributedVirtualPortgroup")
        {
            var pg = await _client.Properties.RetrieveAsync(reference, ["name", "config.key", "config.distributedVirtualSwitch"], cancellationToken);
            var dvs = pg.Required("config.distributedVirtualSwitch").AsReference();
            string uuid = (await _client.Properties.RetrieveAsync(dvs, "uuid", cancellationToken))?.AsString()
                ?? throw new NotFoundException($"switch {dvs} of {path} has no uuid");
            return new Network(reference, pg.Required("name").AsString(), uuid, pg.Required("config.key").AsString());
        }
        if (reference.Type is not ("Network" or "OpaqueNetwork"))
        {
            throw new NotFoundException($"{path} is a {reference.Type}, not a network");
        }
        string name = (await _client.Properties.RetrieveAsync(reference, "name", cancellationToken))!.AsString();
        return new Network(reference, name);
    }

    /// <summary>A VM by name in a folder (a direct child), or null.</summary>
    public Task<ManagedObjectReference?> FindVirtualMachineAsync(ManagedObjectReference folder, string name, CancellationToken cancellationToken = default) =>
        FindChildAsync(folder, name, cancellationToken);

    private async Task<ManagedObjectReference> ExpectAsync(string path, string type, CancellationToken cancellationToken, string? alsoType = null)
    {
        var reference = await FindByPathAsync(path, cancellationToken)
            ?? throw new NotFoundException($"{KindName(type)} {path} not found");
        if (reference.Type != type && reference.Type != alsoType)
        {
            throw new NotFoundException($"{path} is a {reference.Type}, not a {KindName(type)}");
        }
        return reference;
    }

    private static string KindName(string type) => type switch
    {
        "ResourcePool" => "resource pool",
        _ => type.ToLowerInvariant(),
    };
}
