using System.Text.Json;
using Vic.PortLayer.VSphere.Storage;
using Vic.Tether.Protocol;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Containers;

/// <summary>
/// After a VCH (re)start: reads every VM in the pool with its extraConfig and power state (one property-collector
/// call), adopts the containerVMs by their record, settles runs that ended while the VCH was away, and removes
/// layer-applier VMs a crash left behind (their layers were never completed).
/// </summary>
internal static class ContainerRebuild
{
    private static readonly string[] Paths = ["name", "config.extraConfig", "config.files.vmPathName", "runtime.powerState"];

    public static async Task RunAsync(VSphereContext context, ContainerTable table, ContainerLifecycle lifecycle, LayerApplier applier,
        CancellationToken cancellationToken)
    {
        var vms = await Faults.GuardAsync("reading the VMs in the VCH's resource pool", () =>
            context.Client.Properties.RetrieveAsync(PropertyFilter.VmsInPool(context.Placement.Pool, Paths), cancellationToken));
        int skipped = 0;
        foreach (var vm in vms)
        {
            var extra = vm["config.extraConfig"]?.AsOptionValues() ?? new Dictionary<string, string>();
            string name = vm["name"]?.AsString() ?? vm.Object.Value;
            if (extra.TryGetValue(LayerApplier.LayerKey, out string? layer) && layer.Length > 0)
            {
                Log.Leftover(context.Logger, "layer-applier VM", name);
                await applier.DestroyQuietlyAsync(vm.Object, context.Placement.ApplierDir(name));
                continue;
            }
            ContainerRecord? record;
            try
            {
                record = ContainerLifecycle.ReadRecord(extra);
            }
            catch (Exception e) when (e is GuestInfoException or JsonException)
            {
                Log.BadRecord(context.Logger, vm.Object.Value, e.Message);
                skipped++;
                continue;
            }
            if (record is null)
            {
                skipped++; // not a containerVM (the appliance itself may live in the pool)
                continue;
            }
            var directory = DatastorePath.Parse(vm.Required("config.files.vmPathName").AsString());
            directory = directory with { Path = directory.Path[..Math.Max(0, directory.Path.LastIndexOf('/'))] };
            var entry = new ContainerEntry(record.Spec.Id, vm.Object, directory, record)
            {
                RecordChunks = ExtraConfigDocument.ChunkCount(ContainerRecord.DocumentName, extra),
                SpecChunks = extra.TryGetValue(GuestInfo.Key(GuestInfoSpec.Name, "chunks"), out string? n) && int.TryParse(n, out int c) ? c : 0,
            };
            table.Add(entry);
            var power = VirtualMachines.ParsePowerState(vm.Required("runtime.powerState").AsString());
            if (entry.IsRunning && power == VmPowerState.PoweredOff)
            {
                // It ended while the VCH was away: settle the run from its log now.
                await entry.Lock.WaitAsync(cancellationToken);
                try
                {
                    await lifecycle.RecordExitAsync(entry, killedByUs: false, cancellationToken);
                }
                finally
                {
                    entry.Lock.Release();
                }
            }
            lifecycle.Watch(entry);
        }
        Log.Rebuilt(context.Logger, table.All.Count(), skipped);
    }
}
