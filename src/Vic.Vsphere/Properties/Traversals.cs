namespace Vic.Vsphere;

/// <summary>Ready-made traversals for the property collector.</summary>
public static class Traversals
{
    /// <summary>
    /// Everything in the inventory below a folder, datacenter, compute resource, host, resource pool or vApp:
    /// folders' children, a datacenter's four folders, compute resources' hosts, pools and datastores, pools'
    /// sub-pools and VMs. Recursive through named specs, as vSphere's property collector requires.
    /// </summary>
    /// <remarks>
    /// govmomi's simulator applies every step to every object whatever its type, so from a VM this walks on through
    /// its resourcePool and datastore fields back to the VM, forever (the call never answers). Once VMs exist, use
    /// the narrow <see cref="Folders"/> or <see cref="PoolTree"/> where they suffice.
    /// </remarks>
    public static IReadOnlyList<SelectionSpec> Inventory { get; } = BuildInventory();

    /// <summary>
    /// Folders and what is in them, recursively (childEntity only): the datacenters below the root folder, the
    /// VMs below a VM folder, the compute resources below a host folder. Cheaper than <see cref="Inventory"/>, and
    /// safe on govmomi's simulator, which follows a path on any object that has a field of that name whatever the
    /// spec's type says: from a VM, <see cref="Inventory"/>'s "resourcePool" and "vm" steps loop forever there.
    /// </summary>
    public static IReadOnlyList<SelectionSpec> Folders { get; } =
        [new TraversalSpec("folderTree", "Folder", "childEntity", false, [new SelectionReference("folderTree")])];

    /// <summary>A resource pool's sub-pools (recursively) and the VMs in each, never beyond a VM.</summary>
    public static IReadOnlyList<SelectionSpec> PoolTree { get; } =
    [
        new TraversalSpec("poolPools", "ResourcePool", "resourcePool", false, [new SelectionReference("poolPools"), new SelectionReference("poolVms")]),
        new TraversalSpec("poolVms", "ResourcePool", "vm", false, []),
    ];

    private static IReadOnlyList<SelectionSpec> BuildInventory()
    {
        SelectionSpec[] all =
        [
            new SelectionReference("folderChildren"), new SelectionReference("dcVm"), new SelectionReference("dcHost"),
            new SelectionReference("dcDatastore"), new SelectionReference("dcNetwork"), new SelectionReference("crHost"),
            new SelectionReference("crPool"), new SelectionReference("crDatastore"), new SelectionReference("poolPools"),
            new SelectionReference("poolVms"), new SelectionReference("hostVms"),
        ];
        return
        [
            new TraversalSpec("folderChildren", "Folder", "childEntity", false, all),
            new TraversalSpec("dcVm", "Datacenter", "vmFolder", false, all),
            new TraversalSpec("dcHost", "Datacenter", "hostFolder", false, all),
            new TraversalSpec("dcDatastore", "Datacenter", "datastoreFolder", false, all),
            new TraversalSpec("dcNetwork", "Datacenter", "networkFolder", false, all),
            new TraversalSpec("crHost", "ComputeResource", "host", false, all),
            new TraversalSpec("crPool", "ComputeResource", "resourcePool", false, all),
            new TraversalSpec("crDatastore", "ComputeResource", "datastore", false, all),
            new TraversalSpec("poolPools", "ResourcePool", "resourcePool", false, all),
            new TraversalSpec("poolVms", "ResourcePool", "vm", false, all),
            new TraversalSpec("hostVms", "HostSystem", "vm", false, all),
        ];
    }
}
