namespace Vic.Vsphere;

// The devices vic puts in VMs, as typed records. The same records are written into config specs and read back
// from config.hardware.device; devices vic does not model read back as OtherDevice.

/// <summary>
/// A VM device. <see cref="Key"/> identifies it within the VM: use a negative key for a new device (other new
/// devices refer to it, e.g. a disk's controller) and the server assigns the real one.
/// </summary>
public abstract record VirtualDevice
{
    public int Key { get; init; }

    /// <summary>The key of the controller the device hangs off (IDE 200/201, a SCSI controller, PCI 100).</summary>
    public int? ControllerKey { get; init; }

    /// <summary>The slot on that controller; the server picks one when null (except for disks, which need it).</summary>
    public int? UnitNumber { get; init; }

    /// <summary>The label the server gives the device ("Hard disk 1"); read-only.</summary>
    public string? Label { get; init; }
}

/// <summary>A virtual disk backed by a VMDK file (flat version 2 backing).</summary>
public sealed record VirtualDisk : VirtualDevice
{
    public required DiskBacking Backing { get; init; }

    public long CapacityKb { get; init; }
}

/// <summary>
/// A disk's file: "[ds] path.vmdk", disk mode ("persistent", "independent_nonpersistent", ...), thin provisioning and
/// the parent disk it is a copy-on-write child of, if any.
/// </summary>
public sealed record DiskBacking(string FileName)
{
    public string DiskMode { get; init; } = "persistent";

    public bool ThinProvisioned { get; init; } = true;

    public DiskBacking? Parent { get; init; }
}

/// <summary>A CD-ROM drive with an ISO image on a datastore ("[ds] iso/base.iso").</summary>
public sealed record VirtualCdrom : VirtualDevice
{
    public required string IsoFileName { get; init; }

    public bool StartConnected { get; init; } = true;
}

public enum NicKind
{
    Vmxnet3,
    E1000,
    E1000e,
}

/// <summary>A NIC on a standard network (by <see cref="NetworkName"/>) or a distributed port group.</summary>
public sealed record VirtualNic : VirtualDevice
{
    public NicKind Kind { get; init; } = NicKind.Vmxnet3;

    /// <summary>The standard port group's name; null for a distributed port group.</summary>
    public string? NetworkName { get; init; }

    public string? SwitchUuid { get; init; }

    public string? PortgroupKey { get; init; }

    /// <summary>A fixed MAC address; null lets vSphere generate one (and read back shows it).</summary>
    public string? MacAddress { get; init; }

    public bool StartConnected { get; init; } = true;

    /// <summary>A NIC joining <paramref name="network"/> with the right backing for its kind.</summary>
    public static VirtualNic On(Network network, NicKind kind = NicKind.Vmxnet3, int key = -1) => network.IsDistributed
        ? new VirtualNic { Key = key, Kind = kind, SwitchUuid = network.SwitchUuid, PortgroupKey = network.PortgroupKey }
        : new VirtualNic { Key = key, Kind = kind, NetworkName = network.Name };
}

/// <summary>A serial port writing to a datastore file or connected to a network URI (vSPC, telnet, tcp).</summary>
public sealed record VirtualSerialPort : VirtualDevice
{
    public required SerialBacking Backing { get; init; }

    public bool StartConnected { get; init; } = true;
}

/// <summary>Where a serial port's bytes go.</summary>
public abstract record SerialBacking;

/// <summary>Appends to a file on the datastore, "[ds] vm/console.log": written by the hypervisor, not the guest.</summary>
public sealed record SerialFileBacking(string FileName) : SerialBacking;

/// <summary>A network connection: <see cref="Direction"/> "client" connects to <see cref="ServiceUri"/>, "server" listens.</summary>
public sealed record SerialUriBacking(string ServiceUri, string Direction = "client", string? ProxyUri = null) : SerialBacking;

public enum ScsiKind
{
    /// <summary>VMware Paravirtual SCSI (PVSCSI).</summary>
    Paravirtual,
    LsiLogic,
}

/// <summary>A SCSI controller; disks refer to it by <see cref="VirtualDevice.Key"/>.</summary>
public sealed record ScsiController : VirtualDevice
{
    public ScsiKind Kind { get; init; } = ScsiKind.Paravirtual;

    public int BusNumber { get; init; }
}

/// <summary>A device vic does not model (IDE/PCI controllers, keyboard, video...), read back with its type name.</summary>
public sealed record OtherDevice : VirtualDevice
{
    public required string TypeName { get; init; }
}
