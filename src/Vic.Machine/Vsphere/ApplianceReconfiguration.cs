using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Gives a running VCH's appliance a new record and configuration (and, for upgrade, another appliance disk):
/// power off (containerVMs keep running: they are VMs of their own), reconfigure, power on again, because the
/// appliance reads its configuration when it boots. Each step registers its undo in the caller's
/// <see cref="Rollback"/>, so a failure puts the old configuration back and the appliance on again.
/// </summary>
internal sealed class ApplianceReconfiguration(VsphereSession session, TextWriter progress, Func<string, Task> step)
{
    /// <param name="disk">For upgrade: the appliance disk to attach at 0:0 and the one to put back on rollback (either may be null: none).</param>
    public async Task ApplyAsync(FoundVch vch, VsphereVch after, (string? New, string? Old)? disk, Rollback rollback, CancellationToken ct)
    {
        var client = session.Client;
        var before = ApplianceSpecBuilder.Read(vch.ExtraConfig);
        var spec = ApplianceSpecBuilder.Spec(after, before.Appliance!.Secrets);
        var extra = ApplianceSpecBuilder.ExtraConfig(after, spec, vch.ExtraConfig);

        bool wasOn = await client.VirtualMachines.GetPowerStateAsync(vch.Appliance, ct) == VmPowerState.PoweredOn;
        await step("power-off");
        if (wasOn)
        {
            progress.WriteLine($"Powering off appliance VM {after.Name} (its containerVMs keep running)");
            await client.VirtualMachines.PowerOffAsync(vch.Appliance, ct);
            rollback.Add($"power appliance VM {after.Name} on again", () => client.VirtualMachines.PowerOnAsync(vch.Appliance));
        }

        await step("reconfigure");
        var apply = disk is { } d ? await ApplianceVm.SwapApplianceDiskAsync(client, vch.Appliance, d.New, ct) : [];
        progress.WriteLine($"Reconfiguring appliance VM {after.Name}");
        rollback.Add($"put the old configuration back on appliance VM {after.Name}", async () =>
        {
            // The devices as they are now (the server gave the new disk its key), swapped back to the old disk.
            var back = disk is { } d ? await ApplianceVm.SwapApplianceDiskAsync(client, vch.Appliance, d.Old, CancellationToken.None) : [];
            await client.VirtualMachines.ReconfigureAsync(vch.Appliance, new VmConfigSpec
            {
                ExtraConfig = ApplianceSpecBuilder.Restore(vch.ExtraConfig, extra.Keys),
                DeviceChanges = back.Count > 0 ? back : null,
            });
        });
        await client.VirtualMachines.ReconfigureAsync(vch.Appliance, new VmConfigSpec { ExtraConfig = extra, DeviceChanges = apply.Count > 0 ? apply : null }, cancellationToken: ct);

        await step("power-on");
        if (wasOn)
        {
            progress.WriteLine($"Powering on appliance VM {after.Name}");
            await client.VirtualMachines.PowerOnAsync(vch.Appliance, cancellationToken: ct);
        }
        else
            progress.WriteLine($"Appliance VM {after.Name} is off: the changes take effect when it is powered on");
    }
}
