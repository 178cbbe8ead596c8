using Vic.Machine.Vsphere;
using Vic.TestSupport;
using Vic.Vsphere;

namespace Vic.Machine.Tests.Vsphere;

[Collection("vcsim")]
public sealed class ConfigureAndUpgradeTests(VcenterSimulator simulator)
{
    private static Func<string, Task> FailAt(string step) =>
        s => s == step ? throw new InvalidOperationException($"injected failure before {s}") : Task.CompletedTask;

    [Fact]
    public async Task Configure_changes_the_pool_limits_networks_and_dns_and_a_failure_puts_everything_back()
    {
        await using var f = await VsphereFixture.StartAsync(simulator);
        var vch = await f.CreateAsync(f.Request("vch-cfg") with { VolumeStores = [] });
        var pool = new ManagedObjectReference("ResourcePool", vch.Record.ResourcePoolId);
        var request = new ConfigureRequest
        {
            MemoryBytes = new(8L << 30),
            Cpus = new(null),
            ContainerNetworks = ["DC0_DVPG0:wrong"],
            DnsServers = ["192.0.2.53"],
        };
        // The bridge network cannot be a container network: refused before anything changes.
        var refused = await Assert.ThrowsAsync<MachineException>(() => new VchConfigurer(f.Session, TextWriter.Null).ConfigureAsync(vch, request, CancellationToken.None));
        Assert.Contains("--container-network DC0_DVPG0 is the bridge network", refused.Message);

        request = request with { ContainerNetworks = ["VM Network:outside"] };
        var allocationBefore = await f.Client.ResourcePools.GetAllocationAsync(pool);
        var failing = new VchConfigurer(f.Session, TextWriter.Null) { BeforeStep = FailAt("power-on") };
        var failed = await Assert.ThrowsAsync<MachineException>(() => failing.ConfigureAsync(vch, request, CancellationToken.None));
        Assert.Contains("rolled back", failed.Message);
        Assert.Equal(allocationBefore, await f.Client.ResourcePools.GetAllocationAsync(pool));
        var afterFailure = await f.FindAsync("vch-cfg");
        Assert.Equal(Json(vch.Record), Json(afterFailure.Record));
        Assert.Equal(ApplianceSpecBuilder.Read(vch.ExtraConfig), ApplianceSpecBuilder.Read(afterFailure.ExtraConfig), new ConfigComparer());
        Assert.Equal(VmPowerState.PoweredOn, afterFailure.PowerState);

        await new VchConfigurer(f.Session, TextWriter.Null).ConfigureAsync(afterFailure, request, CancellationToken.None);
        var changed = await f.FindAsync("vch-cfg");
        var (cpu, memory) = await f.Client.ResourcePools.GetAllocationAsync(pool);
        Assert.Equal(-1, cpu.Limit);
        Assert.Equal(8192 + 2048, memory.Limit);
        var spec = ApplianceSpecBuilder.Read(changed.ExtraConfig);
        var config = spec.Appliance!;
        Assert.Equal((8L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), config.VchArgs[config.VchArgs.ToList().IndexOf("--max-memory") + 1]);
        Assert.DoesNotContain("--max-cpus", config.VchArgs);
        Assert.Equal("VM Network:outside", config.VchArgs[config.VchArgs.ToList().IndexOf("--container-network") + 1]);
        Assert.Equal(["192.0.2.53"], spec.Dns!.Nameservers);
        Assert.Equal(ApplianceSpecBuilder.Read(vch.ExtraConfig).Appliance!.Secrets, config.Secrets);
        Assert.Equal(VmPowerState.PoweredOn, changed.PowerState);

        await new VchDeleter(f.Session, TextWriter.Null).DeleteAsync(changed, force: true, CancellationToken.None);
    }

    [Fact]
    public async Task Upgrade_switches_to_new_images_keeps_the_old_for_rollback_and_undoes_a_failed_attempt()
    {
        await using var f = await VsphereFixture.StartAsync(simulator);
        var vch = await f.CreateAsync(f.Request("vch-up") with { VolumeStores = [] });
        var first = vch.Record.Images;
        var problems = new List<string>();

        // Same bits: nothing to do.
        var same = LocalImages.Find(f.BaseDirectory, f.ApplianceDirectory, problems)!;
        Assert.Equal(Json(vch.Record), Json(await new VchUpgrader(f.Session, TextWriter.Null).UpgradeAsync(vch, same, false, false, CancellationToken.None)));

        f.WriteImages(0x22);
        var next = LocalImages.Find(f.BaseDirectory, f.ApplianceDirectory, problems)!;
        Assert.NotEqual(first.Stamp, next.Stamp);
        var failing = new VchUpgrader(f.Session, TextWriter.Null) { BeforeStep = FailAt("power-on") };
        await Assert.ThrowsAsync<MachineException>(() => failing.UpgradeAsync(vch, next, false, false, CancellationToken.None));
        var afterFailure = await f.FindAsync("vch-up");
        Assert.Equal(Json(vch.Record), Json(afterFailure.Record));
        Assert.Equal([first.ApplianceDisk!], await ApplianceDisksAsync(f, vch.Appliance));
        Assert.False(await f.ExistsOnDatastoreAsync($"vch-up/images/{next.Stamp}"), "the failed upgrade's upload must be removed");
        Assert.Equal(VmPowerState.PoweredOn, afterFailure.PowerState);

        var upgraded = await new VchUpgrader(f.Session, TextWriter.Null).UpgradeAsync(afterFailure, next, false, false, CancellationToken.None);
        Assert.Equal(next.Stamp, upgraded.Images.Stamp);
        Assert.Equal(first, upgraded.PreviousImages);
        var found = await f.FindAsync("vch-up");
        Assert.Equal(Json(upgraded), Json(found.Record));
        Assert.Equal([upgraded.Images.ApplianceDisk!], await ApplianceDisksAsync(f, vch.Appliance));
        var config = ApplianceSpecBuilder.Read(found.ExtraConfig).Appliance!;
        Assert.Equal(upgraded.Images.ContainerBase, config.VchArgs[config.VchArgs.ToList().IndexOf("--container-base") + 1]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(f.BaseDirectory, "vmlinuz")), await f.DownloadAsync($"{upgraded.Images.ContainerBase}/vmlinuz"));
        Assert.True(await f.ExistsOnDatastoreAsync($"vch-up/images/{first.Stamp}"), "the rollback copy is kept");

        var back = await new VchUpgrader(f.Session, TextWriter.Null).UpgradeAsync(found, null, true, false, CancellationToken.None);
        Assert.Equal(first.Stamp, back.Images.Stamp);
        Assert.Equal([first.ApplianceDisk!], await ApplianceDisksAsync(f, vch.Appliance));

        // A third set: the oldest (two upgrades back) is removed, the one it ran before is the rollback copy.
        f.WriteImages(0x33);
        var third = LocalImages.Find(f.BaseDirectory, f.ApplianceDirectory, problems)!;
        var latest = await new VchUpgrader(f.Session, TextWriter.Null).UpgradeAsync(await f.FindAsync("vch-up"), third, false, false, CancellationToken.None);
        Assert.Equal(first, latest.PreviousImages);
        Assert.False(await f.ExistsOnDatastoreAsync($"vch-up/images/{next.Stamp}"));
        Assert.Empty(problems);

        await new VchDeleter(f.Session, TextWriter.Null).DeleteAsync(await f.FindAsync("vch-up"), force: true, CancellationToken.None);
        Assert.False(await f.ExistsOnDatastoreAsync("vch-up"));
    }

    private static string Json(VsphereVch record) => System.Text.Json.JsonSerializer.Serialize(record, VsphereJson.Default.VsphereVch);

    /// <summary>The backing files of the disks at SCSI 0:0 (the appliance image).</summary>
    private static async Task<List<string>> ApplianceDisksAsync(VsphereFixture f, ManagedObjectReference vm)
    {
        var devices = await f.Client.VirtualMachines.GetDevicesAsync(vm);
        var controller = devices.OfType<ScsiController>().Single(c => c.BusNumber == 0);
        return devices.OfType<VirtualDisk>().Where(d => d.ControllerKey == controller.Key && d.UnitNumber == ApplianceVm.ApplianceUnit).Select(d => d.Backing.FileName).ToList();
    }

    /// <summary>Records holding lists compare by reference; these compare their JSON.</summary>
    private sealed class ConfigComparer : IEqualityComparer<Vic.Tether.Protocol.VmSpec>
    {
        public bool Equals(Vic.Tether.Protocol.VmSpec? x, Vic.Tether.Protocol.VmSpec? y) =>
            System.Text.Json.JsonSerializer.Serialize(x!, Vic.Tether.Protocol.ProtocolJson.Default.VmSpec) == System.Text.Json.JsonSerializer.Serialize(y!, Vic.Tether.Protocol.ProtocolJson.Default.VmSpec);

        public int GetHashCode(Vic.Tether.Protocol.VmSpec obj) => 0;
    }
}
