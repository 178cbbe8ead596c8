using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// The appliance VM's hardware: the container base ISO on IDE 0:0 (the boot medium), a PVSCSI controller with the appliance image at 0:0 (independent-nonpersistent:
/// every boot starts from the image as uploaded, so the copy upgrade keeps for rollback stays intact) and the key
/// disk at 0:1, a NIC on the public and one on the bridge network, and a serial port logging to the datastore
/// (written by the hypervisor, readable while the appliance is down).
/// </summary>
internal static class ApplianceVm
{
    private const int ControllerKey = -100;
    public const int ApplianceUnit = 0, KeyUnit = 1;

    public static DatastorePath Directory(DatastorePath vchDirectory) => vchDirectory.Combine("appliance");

    public static DatastorePath KeyDisk(DatastorePath vchDirectory) => vchDirectory.Combine("keys/key.vmdk");

    public static VmConfigSpec CreateSpec(CreatePlan plan, VsphereVch vch, ImageSet images, IReadOnlyDictionary<string, string> extraConfig)
    {
        var request = plan.Request;
        var vmDir = Directory(plan.VchDirectory);
        var devices = new List<DeviceChange> { DeviceChange.Add(new ScsiController { Key = ControllerKey, BusNumber = 0 }) };
        if (images.ApplianceDisk is string disk)
            devices.Add(DeviceChange.Add(ApplianceDisk(disk, ControllerKey, -101)));
        devices.Add(DeviceChange.Add(new VirtualDisk
        {
            Key = -102,
            ControllerKey = ControllerKey,
            UnitNumber = KeyUnit,
            CapacityKb = Vic.Tether.Protocol.SecretSealer.KeyDiskBytes / 1024,
            Backing = new DiskBacking(KeyDisk(plan.VchDirectory).ToString()) { ThinProvisioned = false },
        }));
        // It boots the container base's kernel and initramfs from the ISO, as containerVMs do; the tether in it reads
        // the spec (Mode Appliance) and mounts the appliance image.
        devices.Add(DeviceChange.Add(new VirtualCdrom { Key = -103, ControllerKey = 200, UnitNumber = 0, IsoFileName = $"{images.ContainerBase}/{LocalImages.IsoName}" }));
        devices.Add(DeviceChange.Add(VirtualNic.On(plan.PublicNetwork, key: -200) with { MacAddress = vch.PublicMac }));
        devices.Add(DeviceChange.Add(VirtualNic.On(plan.BridgeNetwork, key: -201) with { MacAddress = vch.BridgeMac }));
        devices.Add(DeviceChange.Add(new VirtualSerialPort { Key = -300, Backing = new SerialFileBacking(vmDir.Combine("console.log").ToString()) }));
        return new VmConfigSpec
        {
            Name = request.Name,
            GuestId = "otherLinux64Guest",
            Annotation = $"vic VCH {request.Name}: Docker API appliance (vic-machine {Layout.Version})",
            VmPathName = vmDir.Combine($"{request.Name}.vmx").ToString(),
            NumCpus = request.ApplianceCpus,
            MemoryMb = request.ApplianceMemoryMb,
            ExtraConfig = extraConfig,
            DeviceChanges = devices,
        };
    }

    public static VirtualDisk ApplianceDisk(string fileName, int controllerKey, int key) => new()
    {
        Key = key,
        ControllerKey = controllerKey,
        UnitNumber = ApplianceUnit,
        Backing = new DiskBacking(fileName) { DiskMode = "independent_nonpersistent", ThinProvisioned = false },
    };

    /// <summary>The device changes that put <paramref name="fileName"/> (or nothing) at 0:0 in place of what is there now.</summary>
    public static async Task<List<DeviceChange>> SwapApplianceDiskAsync(VsphereClient client, ManagedObjectReference vm, string? fileName, CancellationToken ct)
    {
        var devices = await client.VirtualMachines.GetDevicesAsync(vm, ct);
        var controller = devices.OfType<ScsiController>().FirstOrDefault(c => c.BusNumber == 0)
            ?? throw new MachineException($"the appliance VM {vm.Value} has no SCSI controller 0", ExitCodes.Failure);
        var changes = new List<DeviceChange>();
        // Detach only: the file is the uploaded image, which upgrade keeps for rollback or deletes itself.
        foreach (var old in devices.OfType<VirtualDisk>().Where(d => d.ControllerKey == controller.Key && d.UnitNumber == ApplianceUnit))
            changes.Add(DeviceChange.Remove(old));
        if (fileName is not null)
            changes.Add(DeviceChange.Add(ApplianceDisk(fileName, controller.Key, -101)));
        return changes;
    }
}
