using System.Text.Json;
using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>A VCH found on vSphere: its appliance VM, what that VM says about it, and its power state and address.</summary>
internal sealed record FoundVch(ManagedObjectReference Appliance, VsphereVch Record, IReadOnlyDictionary<string, string> ExtraConfig,
    VmPowerState PowerState, string? IpAddress);

/// <summary>Finds VCHs by their appliance VMs: the VMs of the datacenter whose extraConfig holds <see cref="VsphereVch.MarkerKey"/>.</summary>
internal static class VchFinder
{
    public static async Task<IReadOnlyList<FoundVch>> ListAsync(VsphereSession session, CancellationToken ct)
    {
        // VMs live in VM folders: walking the folder tree finds every one (see Traversals.Folders).
        var vms = await session.Client.Properties.RetrieveAsync(new PropertyFilter(
            [new PropertySelection("VirtualMachine", ["config.extraConfig", "runtime.powerState", "guest.ipAddress"])],
            [new ObjectSelection(session.Datacenter.VmFolder, true, Traversals.Folders)]), ct);
        var found = new List<FoundVch>();
        foreach (var vm in vms)
        {
            // An empty value is a removed key (vSphere drops it; the simulator keeps it as "").
            var extra = vm["config.extraConfig"]?.AsOptionValues().Where(kv => kv.Value.Length > 0).ToDictionary(StringComparer.Ordinal);
            if (extra is null || !extra.TryGetValue(VsphereVch.MarkerKey, out string? json))
                continue;
            VsphereVch? record;
            try
            {
                record = JsonSerializer.Deserialize(json, VsphereJson.Default.VsphereVch);
            }
            catch (JsonException)
            {
                record = null;
            }
            if (record is null)
                continue; // a marker vic-machine cannot read is not a VCH it can manage; ls must still list the rest
            found.Add(new FoundVch(vm.Object, record, extra, VirtualMachines.ParsePowerState(vm["runtime.powerState"]?.AsString() ?? "poweredOff"),
                vm["guest.ipAddress"]?.AsString() is { Length: > 0 } ip ? ip : null));
        }
        return found.OrderBy(f => f.Record.Name, StringComparer.Ordinal).ToList();
    }

    public static async Task<FoundVch> GetAsync(VsphereSession session, string name, CancellationToken ct) =>
        (await ListAsync(session, ct)).FirstOrDefault(v => v.Record.Name == name)
        ?? throw new MachineException($"no VCH named \"{name}\" in {session.Datacenter.Path} on {session.Target.Display} (vic-machine ls --target ... lists them)", ExitCodes.NotFound);
}
