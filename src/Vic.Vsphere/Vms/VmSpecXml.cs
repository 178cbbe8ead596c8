using System.Xml.Linq;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>
/// Writes <see cref="VmConfigSpec"/> as a VirtualMachineConfigSpec and reads devices back from
/// config.hardware.device. Elements are written in the schema's sequence order (real servers reject others).
/// </summary>
internal static class VmSpecXml
{
    public static XElement Write(string name, VmConfigSpec spec) =>
        Vim.El(name,
            Vim.Opt("name", spec.Name),
            Vim.Opt("guestId", spec.GuestId),
            Vim.Opt("annotation", spec.Annotation),
            spec.VmPathName is null ? null : Vim.El("files", Vim.El("vmPathName", spec.VmPathName)),
            Vim.Opt("numCPUs", spec.NumCpus),
            Vim.Opt("memoryMB", spec.MemoryMb),
            spec.DeviceChanges?.Select(WriteChange),
            spec.ExtraConfig?.Select(kv => Vim.Typed("extraConfig", "OptionValue",
                Vim.El("key", kv.Key), new XElement(Vim.N("value"), new XAttribute(Vim.Xsi + "type", "xsd:string"), kv.Value))));

    private static XElement WriteChange(DeviceChange change) =>
        Vim.El("deviceChange",
            Vim.El("operation", change.Operation switch
            {
                DeviceOperation.Add => "add",
                DeviceOperation.Remove => "remove",
                _ => "edit",
            }),
            change.FileOperation is { } op ? Vim.El("fileOperation", op switch
            {
                FileOperation.Create => "create",
                FileOperation.Destroy => "destroy",
                _ => "replace",
            }) : null,
            WriteDevice("device", change.Device));

    public static XElement WriteDevice(string name, VirtualDevice device) => device switch
    {
        VirtualDisk disk => Vim.Typed(name, "VirtualDisk", Common(disk, WriteDiskBacking("backing", disk.Backing), null),
            Vim.El("capacityInKB", disk.CapacityKb)),
        VirtualCdrom cdrom => Vim.Typed(name, "VirtualCdrom", Common(cdrom,
            Vim.Typed("backing", "VirtualCdromIsoBackingInfo", Vim.El("fileName", cdrom.IsoFileName)), cdrom.StartConnected)),
        VirtualNic nic => Vim.Typed(name, NicType(nic.Kind), Common(nic, WriteNicBacking(nic), nic.StartConnected),
            Vim.El("addressType", nic.MacAddress is null ? "generated" : "manual"), Vim.Opt("macAddress", nic.MacAddress)),
        VirtualSerialPort serial => Vim.Typed(name, "VirtualSerialPort", Common(serial, WriteSerialBacking(serial.Backing), serial.StartConnected),
            Vim.El("yieldOnPoll", true)),
        ScsiController scsi => Vim.Typed(name, scsi.Kind == ScsiKind.Paravirtual ? "ParaVirtualSCSIController" : "VirtualLsiLogicController",
            Common(scsi, null, null), Vim.El("busNumber", scsi.BusNumber), Vim.El("sharedBus", "noSharing")),
        _ => throw new ArgumentException($"{device.GetType().Name} devices cannot be written into a config spec"),
    };

    /// <summary>VirtualDevice's own fields, in order: key, backing, connectable, controllerKey, unitNumber.</summary>
    private static object?[] Common(VirtualDevice device, XElement? backing, bool? startConnected) =>
    [
        Vim.El("key", device.Key),
        backing,
        startConnected is { } connected
            ? Vim.El("connectable", Vim.El("startConnected", connected), Vim.El("allowGuestControl", true), Vim.El("connected", connected))
            : null,
        Vim.Opt("controllerKey", device.ControllerKey),
        Vim.Opt("unitNumber", device.UnitNumber),
    ];

    private static XElement WriteDiskBacking(string name, DiskBacking backing) =>
        Vim.Typed(name, "VirtualDiskFlatVer2BackingInfo",
            Vim.El("fileName", backing.FileName),
            Vim.El("diskMode", backing.DiskMode),
            Vim.El("thinProvisioned", backing.ThinProvisioned),
            backing.Parent is null ? null : WriteDiskBacking("parent", backing.Parent));

    private static XElement WriteNicBacking(VirtualNic nic)
    {
        if (nic.NetworkName is not null)
        {
            return Vim.Typed("backing", "VirtualEthernetCardNetworkBackingInfo", Vim.El("deviceName", nic.NetworkName));
        }
        if (nic.SwitchUuid is null || nic.PortgroupKey is null)
        {
            throw new ArgumentException("a NIC needs a NetworkName, or a SwitchUuid and PortgroupKey");
        }
        return Vim.Typed("backing", "VirtualEthernetCardDistributedVirtualPortBackingInfo",
            Vim.El("port", Vim.El("switchUuid", nic.SwitchUuid), Vim.El("portgroupKey", nic.PortgroupKey)));
    }

    private static XElement WriteSerialBacking(SerialBacking backing) => backing switch
    {
        SerialFileBacking file => Vim.Typed("backing", "VirtualSerialPortFileBackingInfo", Vim.El("fileName", file.FileName)),
        SerialUriBacking uri => Vim.Typed("backing", "VirtualSerialPortURIBackingInfo",
            Vim.El("serviceURI", uri.ServiceUri), Vim.El("direction", uri.Direction), Vim.Opt("proxyURI", uri.ProxyUri)),
        _ => throw new ArgumentException($"unknown serial backing {backing.GetType().Name}"),
    };

    private static string NicType(NicKind kind) => kind switch
    {
        NicKind.E1000 => "VirtualE1000",
        NicKind.E1000e => "VirtualE1000e",
        _ => "VirtualVmxnet3",
    };

    /// <summary>Reads one VirtualDevice element (from an ArrayOfVirtualDevice).</summary>
    public static VirtualDevice ReadDevice(XElement element)
    {
        string type = Vim.XsiType(element) ?? element.Name.LocalName;
        XElement? backing = Vim.Child(element, "backing");
        bool startConnected = Vim.Bool(Vim.Child(element, "connectable"), "startConnected") ?? false;
        VirtualDevice device = type switch
        {
            "VirtualDisk" => new VirtualDisk { Backing = ReadDiskBacking(backing), CapacityKb = Vim.Long(element, "capacityInKB") ?? 0 },
            "VirtualCdrom" when Vim.XsiType(backing!) == "VirtualCdromIsoBackingInfo" =>
                new VirtualCdrom { IsoFileName = Vim.Text(backing, "fileName") ?? "", StartConnected = startConnected },
            "VirtualVmxnet3" or "VirtualE1000" or "VirtualE1000e" => new VirtualNic
            {
                Kind = type switch { "VirtualE1000" => NicKind.E1000, "VirtualE1000e" => NicKind.E1000e, _ => NicKind.Vmxnet3 },
                NetworkName = Vim.Text(backing, "deviceName"),
                SwitchUuid = Vim.Text(Vim.Child(backing, "port"), "switchUuid"),
                PortgroupKey = Vim.Text(Vim.Child(backing, "port"), "portgroupKey"),
                MacAddress = Vim.Text(element, "macAddress"),
                StartConnected = startConnected,
            },
            "VirtualSerialPort" when backing is not null && Vim.XsiType(backing) is "VirtualSerialPortFileBackingInfo" or "VirtualSerialPortURIBackingInfo" =>
                new VirtualSerialPort
                {
                    Backing = Vim.XsiType(backing) == "VirtualSerialPortFileBackingInfo"
                        ? new SerialFileBacking(Vim.Text(backing, "fileName") ?? "")
                        : new SerialUriBacking(Vim.Text(backing, "serviceURI") ?? "", Vim.Text(backing, "direction") ?? "client", Vim.Text(backing, "proxyURI")),
                    StartConnected = startConnected,
                },
            "ParaVirtualSCSIController" or "VirtualLsiLogicController" => new ScsiController
            {
                Kind = type == "ParaVirtualSCSIController" ? ScsiKind.Paravirtual : ScsiKind.LsiLogic,
                BusNumber = Vim.Int(element, "busNumber") ?? 0,
            },
            _ => new OtherDevice { TypeName = type },
        };
        return device with
        {
            Key = Vim.Int(element, "key") ?? 0,
            ControllerKey = Vim.Int(element, "controllerKey"),
            UnitNumber = Vim.Int(element, "unitNumber"),
            Label = Vim.Text(Vim.Child(element, "deviceInfo"), "label"),
        };
    }

    private static DiskBacking ReadDiskBacking(XElement? backing) =>
        new(Vim.Text(backing, "fileName") ?? "")
        {
            DiskMode = Vim.Text(backing, "diskMode") ?? "persistent",
            ThinProvisioned = Vim.Bool(backing, "thinProvisioned") ?? false,
            Parent = Vim.Child(backing, "parent") is { } parent ? ReadDiskBacking(parent) : null,
        };
}
