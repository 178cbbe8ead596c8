using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Deletes a VCH on vSphere: its containerVMs (in its pool or folder; refused while any runs unless forced), the
/// appliance VM, the resource pool, the VM folder and the datastore directory; the volume stores it made only with
/// --force (they hold users' volumes). Then checks through the API that each is gone.
/// </summary>
internal sealed class VchDeleter(VsphereSession session, TextWriter progress)
{
    public async Task DeleteAsync(FoundVch vch, bool force, CancellationToken ct)
    {
        var client = session.Client;
        var r = vch.Record;
        var pool = new ManagedObjectReference("ResourcePool", r.ResourcePoolId);
        var folder = new ManagedObjectReference("Folder", r.VmFolderId);
        var vms = new HashSet<ManagedObjectReference>();
        foreach (var vm in await Optional(async () => await client.Properties.RetrieveAsync(pool, "vm", ct)) is { } p ? p.AsReferences() : [])
            vms.Add(vm);
        foreach (var child in await Optional(async () => await client.Folders.ChildrenAsync(folder, ct)) ?? [])
        {
            if (child.Type == "VirtualMachine")
                vms.Add(child);
        }
        vms.Remove(vch.Appliance);
        var containers = new List<(ManagedObjectReference Vm, string Name, VmPowerState State)>();
        foreach (var vm in vms)
        {
            var content = await client.Properties.RetrieveAsync(vm, ["name", "runtime.powerState"], ct);
            containers.Add((vm, content.Required("name").AsString(), VirtualMachines.ParsePowerState(content["runtime.powerState"]?.AsString())));
        }
        var running = containers.Where(c => c.State != VmPowerState.PoweredOff).ToList();
        if (running.Count > 0 && !force)
        {
            throw new MachineException(
                $"VCH {r.Name} has {running.Count} running containerVM(s) ({string.Join(", ", running.Select(c => c.Name))}); stop them or use --force",
                ExitCodes.Conflict);
        }
        foreach (var c in containers)
        {
            progress.WriteLine($"Removing containerVM {c.Name}");
            await VchCreator.DestroyVmAsync(client, c.Vm);
        }
        progress.WriteLine($"Removing appliance VM {r.Name}");
        await VchCreator.DestroyVmAsync(client, vch.Appliance);
        progress.WriteLine($"Removing resource pool {r.ResourcePool}");
        await Optional(async () =>
        {
            await client.ResourcePools.DestroyAsync(pool, ct);
            return "destroyed";
        });
        if (await Optional(async () => await client.Folders.ChildrenAsync(folder, ct)) is { } left)
        {
            // Destroying a folder destroys what is in it: only an empty one goes, anything else is reported.
            if (left.Count > 0)
                throw new MachineException($"VM folder {r.VmFolder} still holds {string.Join(", ", left)}, which vic-machine did not make; it is kept", ExitCodes.Conflict);
            progress.WriteLine($"Removing VM folder {r.VmFolder}");
            await client.Folders.DestroyAsync(folder, ct);
        }
        var dir = DatastorePath.Parse(r.VchDirectory);
        progress.WriteLine($"Removing datastore directory {dir}");
        await DeleteIfThereAsync(dir, ct);
        foreach (string store in r.CreatedVolumeStores)
        {
            if (force)
            {
                progress.WriteLine($"Removing volume store {store} (--force)");
                await DeleteIfThereAsync(DatastorePath.Parse(store), ct);
            }
            else
                progress.WriteLine($"Kept volume store {store} with its volumes (delete --force removes it)");
        }
        await VerifyGoneAsync(vch, dir, ct);
        progress.WriteLine($"Deleted VCH {r.Name}");
    }

    private async Task DeleteIfThereAsync(DatastorePath path, CancellationToken ct)
    {
        try
        {
            await session.Client.Datastores.DeleteAsync(session.Datacenter, path, ct);
        }
        catch (FileNotFoundFault)
        {
        }
    }

    /// <summary>Reads the inventory and datastore again: what delete removed must be gone.</summary>
    private async Task VerifyGoneAsync(FoundVch vch, DatastorePath dir, CancellationToken ct)
    {
        var client = session.Client;
        var r = vch.Record;
        var left = new List<string>();
        if (await client.Inventory.FindByPathAsync(r.ResourcePool, ct) is not null)
            left.Add($"resource pool {r.ResourcePool}");
        if (await client.Inventory.FindByPathAsync(r.VmFolder, ct) is not null)
            left.Add($"VM folder {r.VmFolder}");
        if ((await VchFinder.ListAsync(session, ct)).Any(v => v.Appliance == vch.Appliance))
            left.Add($"appliance VM {vch.Appliance.Value}");
        var ds = await client.Inventory.GetDatastoreAsync(session.Datacenter, dir.Datastore, ct);
        if (await client.Datastores.ExistsAsync(ds, dir.Path, ct))
            left.Add($"datastore directory {dir}");
        if (left.Count > 0)
            throw new MachineException($"delete of VCH {r.Name} left behind: {string.Join(", ", left)}", ExitCodes.Failure);
    }

    /// <summary>Runs a call on an object that may be gone already (a delete run again after a failure).</summary>
    private static async Task<T?> Optional<T>(Func<Task<T?>> call) where T : class
    {
        try
        {
            return await call();
        }
        catch (ManagedObjectNotFoundFault)
        {
            return null;
        }
    }
}
