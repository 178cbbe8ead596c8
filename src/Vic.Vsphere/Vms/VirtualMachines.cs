using System.Xml.Linq;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

public enum VmPowerState
{
    PoweredOff,
    PoweredOn,
    Suspended,
}

/// <summary>
/// VM lifecycle: create with a full config spec, reconfigure, power on/off, destroy, unregister, and reading
/// back extraConfig and devices. Each task-backed call waits for its task; faults arrive typed
/// (e.g. <see cref="InvalidPowerStateFault"/>, <see cref="DuplicateNameFault"/>).
/// </summary>
public sealed class VirtualMachines
{
    private readonly VsphereClient _client;

    internal VirtualMachines(VsphereClient client) => _client = client;

    /// <summary>Creates a VM in <paramref name="folder"/>, running in <paramref name="pool"/> (on <paramref name="host"/> if given).</summary>
    /// <returns>The new VM.</returns>
    public async Task<ManagedObjectReference> CreateAsync(ManagedObjectReference folder, ManagedObjectReference pool, VmConfigSpec spec,
        ManagedObjectReference? host = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (spec.Name is null || spec.VmPathName is null)
        {
            throw new ArgumentException("a new VM needs a Name and a VmPathName");
        }
        var response = await _client.InvokeAsync("CreateVM_Task", folder,
            [VmSpecXml.Write("config", spec), Vim.Ref("pool", pool), Vim.OptRef("host", host)], cancellationToken);
        return await _client.Tasks.WaitForReferenceAsync(TaskOf(response), progress, cancellationToken: cancellationToken);
    }

    /// <summary>Applies a partial spec: extraConfig changes, device adds/removes, CPU and memory.</summary>
    public async Task ReconfigureAsync(ManagedObjectReference vm, VmConfigSpec spec, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("ReconfigVM_Task", vm, [VmSpecXml.Write("spec", spec)], cancellationToken);
        await _client.Tasks.WaitAsync(TaskOf(response), progress, cancellationToken: cancellationToken);
    }

    /// <exception cref="InvalidPowerStateFault">The VM is already on.</exception>
    public async Task PowerOnAsync(ManagedObjectReference vm, ManagedObjectReference? host = null, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("PowerOnVM_Task", vm, [Vim.OptRef("host", host)], cancellationToken);
        await _client.Tasks.WaitAsync(TaskOf(response), cancellationToken: cancellationToken);
    }

    /// <summary>Hard power-off (the guest is not asked).</summary>
    /// <exception cref="InvalidPowerStateFault">The VM is already off.</exception>
    public async Task PowerOffAsync(ManagedObjectReference vm, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("PowerOffVM_Task", vm, [], cancellationToken);
        await _client.Tasks.WaitAsync(TaskOf(response), cancellationToken: cancellationToken);
    }

    /// <summary>Deletes the VM and its files (disks whose files other VMs share must be detached first).</summary>
    /// <exception cref="InvalidPowerStateFault">The VM is on.</exception>
    public async Task DestroyAsync(ManagedObjectReference vm, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("Destroy_Task", vm, [], cancellationToken);
        await _client.Tasks.WaitAsync(TaskOf(response), cancellationToken: cancellationToken);
    }

    /// <summary>Removes the VM from the inventory, keeping its files on the datastore.</summary>
    public Task UnregisterAsync(ManagedObjectReference vm, CancellationToken cancellationToken = default) =>
        _client.InvokeAsync("UnregisterVM", vm, [], cancellationToken);

    public async Task<VmPowerState> GetPowerStateAsync(ManagedObjectReference vm, CancellationToken cancellationToken = default)
    {
        var value = await _client.Properties.RetrieveAsync(vm, "runtime.powerState", cancellationToken);
        return ParsePowerState(value?.AsString());
    }

    /// <summary>config.extraConfig as key → value.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetExtraConfigAsync(ManagedObjectReference vm, CancellationToken cancellationToken = default)
    {
        var value = await _client.Properties.RetrieveAsync(vm, "config.extraConfig", cancellationToken);
        return value?.AsOptionValues() ?? new Dictionary<string, string>();
    }

    /// <summary>config.hardware.device, typed.</summary>
    public async Task<IReadOnlyList<VirtualDevice>> GetDevicesAsync(ManagedObjectReference vm, CancellationToken cancellationToken = default)
    {
        var value = await _client.Properties.RetrieveAsync(vm, "config.hardware.device", cancellationToken);
        return value is null ? [] : ReadDevices(value);
    }

    /// <summary>Devices from a config.hardware.device value (e.g. one got from a property watch).</summary>
    public static IReadOnlyList<VirtualDevice> ReadDevices(PropertyValue value) => value.Xml.Elements().Select(VmSpecXml.ReadDevice).ToList();

    /// <summary>"poweredOn" → <see cref="VmPowerState.PoweredOn"/>, as runtime.powerState reports it.</summary>
    public static VmPowerState ParsePowerState(string? value) => value switch
    {
        "poweredOn" => VmPowerState.PoweredOn,
        "suspended" => VmPowerState.Suspended,
        "poweredOff" => VmPowerState.PoweredOff,
        _ => throw new FormatException($"unknown power state \"{value}\""),
    };

    private static ManagedObjectReference TaskOf(XElement response) =>
        Vim.ReadRef(VsphereClient.ReturnValue(response) ?? throw new FormatException($"{response.Name.LocalName} returned no task"));
}
