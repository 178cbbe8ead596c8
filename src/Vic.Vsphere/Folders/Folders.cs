using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>Inventory folders (a VCH keeps its appliance and containerVMs in a VM folder of its own).</summary>
public sealed class Folders
{
    private readonly VsphereClient _client;

    internal Folders(VsphereClient client) => _client = client;

    /// <summary>Creates a child folder of <paramref name="parent"/> (a VM folder makes a VM folder).</summary>
    /// <exception cref="DuplicateNameFault">The parent already has a child of that name.</exception>
    public async Task<ManagedObjectReference> CreateAsync(ManagedObjectReference parent, string name, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("CreateFolder", parent, [Vim.El("name", name)], cancellationToken);
        return Vim.ReadRef(VsphereClient.ReturnValue(response)!);
    }

    /// <summary>The folder's direct children (childEntity).</summary>
    public async Task<IReadOnlyList<ManagedObjectReference>> ChildrenAsync(ManagedObjectReference folder, CancellationToken cancellationToken = default) =>
        (await _client.Properties.RetrieveAsync(folder, "childEntity", cancellationToken))?.AsReferences() ?? [];

    /// <summary>
    /// Destroys the folder. vSphere destroys everything in it too (VMs included), so callers that only mean to
    /// remove an empty folder check <see cref="ChildrenAsync"/> first.
    /// </summary>
    public async Task DestroyAsync(ManagedObjectReference folder, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("Destroy_Task", folder, [], cancellationToken);
        await _client.Tasks.WaitAsync(Vim.ReadRef(VsphereClient.ReturnValue(response)!), cancellationToken: cancellationToken);
    }
}
