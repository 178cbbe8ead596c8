using Vic.TestSupport;

namespace Vic.Vsphere.Tests;

[Collection("vcsim")]
public sealed class VirtualMachineTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task A_vm_is_created_with_extra_config_and_devices_reconfigured_powered_and_destroyed()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var placement = await Simulator.PlacementAsync(client, simulator);
        var dc = placement.Datacenter;
        var portgroup = await client.Inventory.GetNetworkAsync(dc, simulator.Description.Portgroup!);
        string name = Simulator.UniqueName("cvm");
        string ds = placement.Datastore.Name;
        await client.Datastores.MakeDirectoryAsync(dc, new DatastorePath(ds, $"{name}-images"));
        await client.Disks.CreateAsync(dc, new DatastorePath(ds, $"{name}-images/parent.vmdk"), 8 * 1024);

        var spec = new VmConfigSpec
        {
            Name = name,
            GuestId = "otherLinux64Guest",
            VmPathName = $"[{ds}] {name}/{name}.vmx",
            NumCpus = 2,
            MemoryMb = 512,
            Annotation = "created by Vic.Vsphere.Tests",
            ExtraConfig = new Dictionary<string, string>
            {
                ["guestinfo.vice./common/id"] = name,
                ["guestinfo.vice./common/name"] = "<&\"quoted\">", // escaped on the way in, intact on the way out
            },
            DeviceChanges =
            [
                DeviceChange.Add(new ScsiController { Key = -100, Kind = ScsiKind.Paravirtual, BusNumber = 0 }),
                DeviceChange.Create(new VirtualDisk
                {
                    Key = -101, ControllerKey = -100, UnitNumber = 0, CapacityKb = 8 * 1024,
                    Backing = new DiskBacking($"[{ds}] {name}/{name}.vmdk") { Parent = new DiskBacking($"[{ds}] {name}-images/parent.vmdk") },
                }),
                DeviceChange.Add(new VirtualCdrom { Key = -102, ControllerKey = 200, UnitNumber = 0, IsoFileName = $"[{ds}] iso/bootstrap.iso" }),
                DeviceChange.Add(VirtualNic.On(placement.Network, NicKind.Vmxnet3, key: -103)),
                DeviceChange.Add(VirtualNic.On(portgroup, NicKind.E1000, key: -104)),
                DeviceChange.Add(new VirtualSerialPort { Key = -105, Backing = new SerialFileBacking($"[{ds}] {name}/tether.debug") }),
                DeviceChange.Add(new VirtualSerialPort { Key = -106, Backing = new SerialUriBacking("tcp://127.0.0.1:2377", "client") }),
            ],
        };
        var progress = new List<int>();
        var vm = await client.VirtualMachines.CreateAsync(dc.VmFolder, placement.Cluster.ResourcePool, spec, progress: new Recorder(progress));
        Assert.Equal("VirtualMachine", vm.Type);
        Assert.Equal(100, progress.Last());
        try
        {
            var config = await client.Properties.RetrieveAsync(vm, ["name", "config.hardware.numCPU", "config.hardware.memoryMB", "config.guestId", "resourcePool"]);
            Assert.Equal(name, config.Required("name").AsString());
            Assert.Equal(2, config.Required("config.hardware.numCPU").AsInt());
            Assert.Equal(512, config.Required("config.hardware.memoryMB").AsInt());
            Assert.Equal(placement.Cluster.ResourcePool, config.Required("resourcePool").AsReference());

            var extra = await client.VirtualMachines.GetExtraConfigAsync(vm);
            Assert.Equal(name, extra["guestinfo.vice./common/id"]);
            Assert.Equal("<&\"quoted\">", extra["guestinfo.vice./common/name"]);

            var devices = await client.VirtualMachines.GetDevicesAsync(vm);
            var scsi = Assert.Single(devices.OfType<ScsiController>());
            Assert.Equal(ScsiKind.Paravirtual, scsi.Kind);
            var disk = Assert.Single(devices.OfType<VirtualDisk>());
            Assert.Equal(scsi.Key, disk.ControllerKey);
            Assert.Equal($"[{ds}] {name}/{name}.vmdk", disk.Backing.FileName);
            Assert.Equal($"[{ds}] {name}-images/parent.vmdk", disk.Backing.Parent?.FileName);
            Assert.Equal(8 * 1024, disk.CapacityKb);
            Assert.Equal($"[{ds}] iso/bootstrap.iso", Assert.Single(devices.OfType<VirtualCdrom>()).IsoFileName);
            var nics = devices.OfType<VirtualNic>().OrderBy(n => n.Kind).ToList();
            Assert.Equal([NicKind.Vmxnet3, NicKind.E1000], nics.Select(n => n.Kind));
            Assert.Equal("VM Network", nics[0].NetworkName);
            Assert.Equal(portgroup.PortgroupKey, nics[1].PortgroupKey);
            Assert.All(nics, n => Assert.False(string.IsNullOrEmpty(n.MacAddress)));
            var serials = devices.OfType<VirtualSerialPort>().Select(s => s.Backing).ToList();
            Assert.Contains(new SerialFileBacking($"[{ds}] {name}/tether.debug"), serials);
            Assert.Contains(new SerialUriBacking("tcp://127.0.0.1:2377", "client"), serials);
            Assert.Contains(devices, d => d is OtherDevice { TypeName: "VirtualIDEController" });

            // Reconfigure: change and add extraConfig, drop the URI serial port, add a second disk.
            var uriPort = devices.OfType<VirtualSerialPort>().Single(s => s.Backing is SerialUriBacking);
            await client.VirtualMachines.ReconfigureAsync(vm, new VmConfigSpec
            {
                ExtraConfig = new Dictionary<string, string> { ["guestinfo.vice./common/name"] = "renamed", ["guestinfo.added"] = "yes" },
                DeviceChanges =
                [
                    DeviceChange.Remove(uriPort),
                    DeviceChange.Create(new VirtualDisk
                    {
                        Key = -1, ControllerKey = scsi.Key, UnitNumber = 1, CapacityKb = 1024,
                        Backing = new DiskBacking($"[{ds}] {name}/volume.vmdk"),
                    }),
                ],
            });
            extra = await client.VirtualMachines.GetExtraConfigAsync(vm);
            Assert.Equal(("renamed", "yes", name), (extra["guestinfo.vice./common/name"], extra["guestinfo.added"], extra["guestinfo.vice./common/id"]));
            devices = await client.VirtualMachines.GetDevicesAsync(vm);
            Assert.Equal(2, devices.OfType<VirtualDisk>().Count());
            Assert.DoesNotContain(devices, d => d is VirtualSerialPort { Backing: SerialUriBacking });

            Assert.Equal(VmPowerState.PoweredOff, await client.VirtualMachines.GetPowerStateAsync(vm));
            await client.VirtualMachines.PowerOnAsync(vm);
            Assert.Equal(VmPowerState.PoweredOn, await client.VirtualMachines.GetPowerStateAsync(vm));
            var twice = await Assert.ThrowsAsync<InvalidPowerStateFault>(() => client.VirtualMachines.PowerOnAsync(vm));
            Assert.Equal("poweredOn", twice.ExistingState);
            await Assert.ThrowsAsync<InvalidPowerStateFault>(() => client.VirtualMachines.DestroyAsync(vm));
            await client.VirtualMachines.PowerOffAsync(vm);
            Assert.Equal(VmPowerState.PoweredOff, await client.VirtualMachines.GetPowerStateAsync(vm));
        }
        finally
        {
            await client.VirtualMachines.DestroyAsync(vm);
        }
        await Assert.ThrowsAsync<ManagedObjectNotFoundFault>(() => client.VirtualMachines.PowerOnAsync(vm));
        Assert.Null(await client.Inventory.FindVirtualMachineAsync(dc.VmFolder, name));
        Assert.False(await client.Datastores.ExistsAsync(placement.Datastore, $"{name}/{name}.vmx"));
        await client.Datastores.DeleteAsync(dc, new DatastorePath(ds, $"{name}-images"));
    }

    [Fact]
    public async Task An_unregistered_vm_leaves_the_inventory_but_keeps_its_files()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var placement = await Simulator.PlacementAsync(client, simulator);
        string name = Simulator.UniqueName("unreg");
        var vm = await client.VirtualMachines.CreateAsync(placement.Datacenter.VmFolder, placement.Cluster.ResourcePool,
            new VmConfigSpec { Name = name, GuestId = "otherLinux64Guest", VmPathName = $"[{placement.Datastore.Name}] {name}/{name}.vmx" },
            host: placement.Cluster.Hosts[1]);
        Assert.Equal(placement.Cluster.Hosts[1], (await client.Properties.RetrieveAsync(vm, "runtime.host"))!.AsReference());

        await client.VirtualMachines.UnregisterAsync(vm);
        Assert.Null(await client.Inventory.FindVirtualMachineAsync(placement.Datacenter.VmFolder, name));
        Assert.True(await client.Datastores.ExistsAsync(placement.Datastore, $"{name}/{name}.vmx"));
        await client.Datastores.DeleteAsync(placement.Datacenter, placement.Datastore.PathOf(name));
    }

    private sealed class Recorder(List<int> seen) : IProgress<int>
    {
        public void Report(int value) => seen.Add(value);
    }
}
