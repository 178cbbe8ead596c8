using System.Diagnostics;
using Vic.Tether.Protocol;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Storage;

/// <summary>
/// Applies a layer tar inside a VM (DESIGN rule 5): a throwaway VM in the VCH's pool boots the container base with
/// the tether in ApplyLayer mode, the new layer disk (a child of its parent's disk) on SCSI 0:0 and the tar,
/// uploaded beside it, as a second CD-ROM read raw. The layer counts as written when that VM powers itself off;
/// the tether reports a failure by setting <see cref="ErrorKey"/> (guestinfo is writable by the guest through
/// the backdoor's info-set) before it powers off.
/// </summary>
internal sealed class LayerApplier(VSphereContext context, PowerWatcher watcher)
{
    /// <summary>The guestinfo key the tether sets to say why a layer could not be applied.</summary>
    public const string ErrorKey = Vic.Tether.Protocol.Channels.ApplyErrorGuestInfoKey;

    /// <summary>extraConfig key that marks a VM as a layer applier (and names its layer), so a restart can clean it up.</summary>
    public const string LayerKey = "vic.applier.layer";

    public const string NamePrefix = "vic-apply-";

    /// <summary>How often the VM's power state is read directly, besides the watch.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>Creates, runs and destroys the applier VM; the layer disk stays, written. Throws Internal with the guest's error.</summary>
    public async Task ApplyAsync(string layerId, string hex, DatastorePath layerDisk, DatastorePath parentDisk, DatastorePath tar, long tarLength,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string name = NamePrefix + hex[..12] + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..6];
        var dir = context.Placement.ApplierDir(name);
        var spec = new VmSpec
        {
            Mode = VmMode.ApplyLayer,
            Id = hex,
            HostTimeUnixMs = context.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            RootDevice = "/dev/sda",
            Layer = new LayerApplySpec { TarDevice = "/dev/sr1", TarLength = tarLength },
        };
        var extra = GuestInfoSpec.Encode(spec).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        extra[LayerKey] = layerId;
        var config = new VmConfigSpec
        {
            Name = name,
            GuestId = "otherLinux64Guest",
            Annotation = $"vic: applies layer {layerId}; destroyed when done",
            VmPathName = dir.Combine(name + ".vmx").ToString(),
            NumCpus = 1,
            MemoryMb = context.Options.DefaultMemoryBytes / (1024 * 1024),
            ExtraConfig = extra,
            DeviceChanges =
            [
                DeviceChange.Add(new ScsiController { Key = -100, BusNumber = 0 }),
                DeviceChange.Create(new VirtualDisk
                {
                    Key = -101, ControllerKey = -100, UnitNumber = 0, CapacityKb = context.Options.RootDiskKb,
                    Backing = new DiskBacking(layerDisk.ToString()) { Parent = new DiskBacking(parentDisk.ToString()) },
                }),
                DeviceChange.Add(new VirtualCdrom { Key = -102, ControllerKey = 200, UnitNumber = 0, IsoFileName = context.Placement.ContainerBaseIso.ToString() }),
                DeviceChange.Add(new VirtualCdrom { Key = -103, ControllerKey = 200, UnitNumber = 1, IsoFileName = tar.ToString() }),
                DeviceChange.Add(new VirtualSerialPort { Key = -104, Backing = new SerialFileBacking(dir.Combine(Placement.OutputLogName).ToString()) }),
            ],
        };
        var client = context.Client;
        await Faults.GuardAsync($"making applier folder {dir}", () => client.Datastores.MakeDirectoryAsync(context.Datacenter, dir, true, cancellationToken));
        ManagedObjectReference? vm = null;
        try
        {
            vm = await Faults.GuardAsync($"creating applier VM {name}", () =>
                client.VirtualMachines.CreateAsync(context.Placement.Folder, context.Placement.Pool, config, cancellationToken: cancellationToken));
            await RunToPowerOffAsync(vm, name, cancellationToken);
            var after = await Faults.GuardAsync($"reading applier VM {name}", () => client.VirtualMachines.GetExtraConfigAsync(vm, cancellationToken));
            if (after.TryGetValue(ErrorKey, out string? error) && error.Length > 0)
                throw new InternalException($"failed to register layer: applying layer {layerId} in VM {name}: {error}");
            // Keep the written disk: detach it before the VM (and, on vSphere, its attached disks) is destroyed.
            var disk = (await client.VirtualMachines.GetDevicesAsync(vm, cancellationToken)).OfType<VirtualDisk>().First();
            await Faults.GuardAsync($"detaching layer disk from {name}", () =>
                client.VirtualMachines.ReconfigureAsync(vm, new VmConfigSpec { DeviceChanges = [DeviceChange.Remove(disk)] }, cancellationToken: cancellationToken));
            Log.LayerWritten(context.Logger, layerId, name, clock.ElapsedMilliseconds);
        }
        finally
        {
            if (vm is not null)
                watcher.Unregister(vm);
            await DestroyQuietlyAsync(vm, dir);
        }
    }

    private async Task RunToPowerOffAsync(ManagedObjectReference vm, string name, CancellationToken cancellationToken)
    {
        var client = context.Client;
        var off = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool started = false;
        async Task CheckAsync()
        {
            // Reports can be stale (the VM's first report says poweredOff): only a fresh read after power-on counts.
            if (Volatile.Read(ref started) && await client.VirtualMachines.GetPowerStateAsync(vm, CancellationToken.None) == VmPowerState.PoweredOff)
                off.TrySetResult();
        }
        watcher.Register(vm, state => state == VmPowerState.PoweredOff ? CheckAsync() : Task.CompletedTask);
        await Faults.GuardAsync($"powering on applier VM {name}", () => client.VirtualMachines.PowerOnAsync(vm, cancellationToken: cancellationToken));
        Volatile.Write(ref started, true);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(context.Options.LayerApplyTimeout);
        try
        {
            while (!off.Task.IsCompleted)
            {
                await CheckAsync();
                await Task.WhenAny(off.Task, Task.Delay(PollInterval, context.Time, limit.Token));
                limit.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InternalException($"failed to register layer: applier VM {name} did not power off within {context.Options.LayerApplyTimeout}");
        }
    }

    /// <summary>Powers off and destroys an applier VM, then removes its folder; failures are logged (a restart cleans up again).</summary>
    public async Task DestroyQuietlyAsync(ManagedObjectReference? vm, DatastorePath dir)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            if (vm is not null)
            {
                if (await context.Client.VirtualMachines.GetPowerStateAsync(vm, limit.Token) != VmPowerState.PoweredOff)
                    await context.Client.VirtualMachines.PowerOffAsync(vm, limit.Token);
                await context.Client.VirtualMachines.DestroyAsync(vm, limit.Token);
            }
            await context.DeleteQuietlyAsync(dir, limit.Token);
        }
        catch (Exception e) when (e is VsphereFault or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            Log.CleanupFailed(context.Logger, $"applier VM {vm?.Value} ({dir})", e.Message);
        }
    }
}
