using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>
/// VMDK files through VirtualDiskManager: create, copy, delete. Child (delta) disks of a parent are made the way
/// VIC made them: by adding a disk to a VM whose backing names the parent (see <see cref="DiskBacking.Parent"/>).
/// </summary>
public sealed class VirtualDisks
{
    private readonly VsphereClient _client;

    internal VirtualDisks(VsphereClient client) => _client = client;

    private ManagedObjectReference Manager => _client.ServiceContent.VirtualDiskManager
        ?? throw new NotSupportedException($"{_client.Url} has no VirtualDiskManager");

    /// <summary>Creates an empty disk of <paramref name="capacityKb"/> KiB; thin unless <paramref name="thin"/> is false.</summary>
    /// <exception cref="FileAlreadyExistsFault">The file exists.</exception>
    public async Task CreateAsync(Datacenter datacenter, DatastorePath path, long capacityKb, bool thin = true, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("CreateVirtualDisk_Task", Manager,
            [Vim.El("name", path.ToString()), Vim.Ref("datacenter", datacenter.Reference),
             Vim.Typed("spec", "FileBackedVirtualDiskSpec",
                 Vim.El("diskType", thin ? "thin" : "preallocated"), Vim.El("adapterType", "lsiLogic"), Vim.El("capacityKb", capacityKb))],
            cancellationToken);
        await WaitAsync(response, cancellationToken);
    }

    /// <summary>Copies a disk (and, on real servers, flattens its chain) to a new file.</summary>
    public async Task CopyAsync(Datacenter datacenter, DatastorePath source, DatastorePath destination, bool force = false, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("CopyVirtualDisk_Task", Manager,
            [Vim.El("sourceName", source.ToString()), Vim.Ref("sourceDatacenter", datacenter.Reference),
             Vim.El("destName", destination.ToString()), Vim.Ref("destDatacenter", datacenter.Reference), Vim.El("force", force)],
            cancellationToken);
        await WaitAsync(response, cancellationToken);
    }

    /// <summary>Deletes a disk (descriptor and extents).</summary>
    /// <exception cref="FileNotFoundFault">No such disk.</exception>
    public async Task DeleteAsync(Datacenter datacenter, DatastorePath path, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("DeleteVirtualDisk_Task", Manager,
            [Vim.El("name", path.ToString()), Vim.Ref("datacenter", datacenter.Reference)], cancellationToken);
        await WaitAsync(response, cancellationToken);
    }

    private Task WaitAsync(System.Xml.Linq.XElement response, CancellationToken cancellationToken) =>
        _client.Tasks.WaitAsync(Vim.ReadRef(VsphereClient.ReturnValue(response)!), cancellationToken: cancellationToken);
}
