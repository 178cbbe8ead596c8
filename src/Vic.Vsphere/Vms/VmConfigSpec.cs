namespace Vic.Vsphere;

/// <summary>
/// A VirtualMachineConfigSpec: for CreateVM every VM needs <see cref="Name"/>, <see cref="GuestId"/> and
/// <see cref="VmPathName"/>; for ReconfigVM every member is optional and null means "leave as is".
/// </summary>
public sealed record VmConfigSpec
{
    public string? Name { get; init; }

    /// <summary>vSphere's guest OS id, e.g. "otherLinux64Guest".</summary>
    public string? GuestId { get; init; }

    public string? Annotation { get; init; }

    /// <summary>files.vmPathName: where the .vmx goes, "[ds] folder/name.vmx", or "[ds]" to let vSphere choose a folder.</summary>
    public string? VmPathName { get; init; }

    public int? NumCpus { get; init; }

    public long? MemoryMb { get; init; }

    /// <summary>extraConfig key/values (guestinfo.* keys are readable by the guest). An empty value removes a key.</summary>
    public IReadOnlyDictionary<string, string>? ExtraConfig { get; init; }

    /// <summary>Devices to add, edit or remove, applied in order.</summary>
    public IReadOnlyList<DeviceChange>? DeviceChanges { get; init; }
}

public enum DeviceOperation
{
    Add,
    Remove,
    Edit,
}

/// <summary>What happens to a device's backing file (disks): created with it, destroyed with it, or replaced.</summary>
public enum FileOperation
{
    Create,
    Destroy,
    Replace,
}

/// <summary>One device change of a config spec.</summary>
public sealed record DeviceChange(DeviceOperation Operation, VirtualDevice Device, FileOperation? FileOperation = null)
{
    /// <summary>Adds a device whose backing already exists (or needs none).</summary>
    public static DeviceChange Add(VirtualDevice device) => new(DeviceOperation.Add, device);

    /// <summary>Adds a disk and creates its file (with a parent backing: a child disk of that parent).</summary>
    public static DeviceChange Create(VirtualDisk disk) => new(DeviceOperation.Add, disk, Vsphere.FileOperation.Create);

    /// <summary>Removes a device; with <paramref name="destroyFile"/> a disk's file is deleted too.</summary>
    public static DeviceChange Remove(VirtualDevice device, bool destroyFile = false) =>
        new(DeviceOperation.Remove, device, destroyFile ? Vsphere.FileOperation.Destroy : null);
}
