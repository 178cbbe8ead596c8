using System.Text.Json;
using Vic.PortLayer.VSphere.Storage;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Containers;

/// <summary>
/// <see cref="IContainerLifecycle"/> over containerVMs in the VCH's resource pool. The VM carries everything: the
/// tether's spec in guestinfo, the VCH's record in vic.container.* keys; power state comes from vSphere through
/// <see cref="PowerWatcher"/>, so a VM powered off in vSphere (by its guest or by an operator) becomes the container's
/// exit. Without an interaction channel yet, stop and kill power the VM off (the process reads as killed, 137).
/// Disposing stops the watch, never the VMs (DESIGN rule 2).
/// </summary>
internal sealed class ContainerLifecycle(VSphereContext context, ContainerTable table, LayerStore layers, PowerWatcher watcher)
    : IContainerLifecycle, IAsyncDisposable
{
    private VsphereClient Client => context.Client;

    public event EventHandler<ContainerStateChanged>? StateChanged
    {
        add => table.StateChanged += value;
        remove => table.StateChanged -= value;
    }

    public async Task<ContainerInfo> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        ContainerSpecChecks.Validate(spec);
        ContainerEntry entry;
        await table.NamesLock.WaitAsync(cancellationToken);
        try
        {
            if (table.Contains(spec.Id))
                throw new AlreadyExistsException($"container {spec.Id} already exists");
            if (table.FindByName(spec.Name) is { } other)
                throw new AlreadyExistsException(ContainerSpecChecks.NameInUse(spec.Name, other.Id));
            var record = new ContainerRecord
            {
                Spec = spec with { Annotations = new Dictionary<string, string>(spec.Annotations) },
                Created = context.Time.GetUtcNow(),
                Status = new ContainerStatus { State = ContainerRunState.Created },
            };
            // The image layer stays pinned while its child disk is made, so it cannot be removed meanwhile.
            var parentDisk = await layers.PinAsync(spec.ImageLayerId, cancellationToken);
            try
            {
                entry = await CreateVmAsync(record, parentDisk, cancellationToken);
            }
            finally
            {
                await layers.UnpinAsync(spec.ImageLayerId);
            }
            table.Add(entry);
            Watch(entry);
        }
        finally
        {
            table.NamesLock.Release();
        }
        Log.ContainerCreated(context.Logger, spec.Id, entry.Vm.Value, spec.Name);
        table.Raise(spec.Id, ContainerRunState.Created, 0);
        return table.ToInfo(entry);
    }

    private async Task<ContainerEntry> CreateVmAsync(ContainerRecord record, DatastorePath parentDisk, CancellationToken cancellationToken)
    {
        var spec = record.Spec;
        string vmName = ContainerEntry.VmName(spec.Name, spec.Id);
        var directory = context.Placement.ContainerDir(vmName);
        var keys = ContainerTable.RecordKeys(record, 0, out int recordChunks);
        keys.AddRange(ContainerTable.SpecKeys(ContainerVmFactory.TetherSpec(spec, context.Time.GetUtcNow()), 0, out int specChunks));
        var config = ContainerVmFactory.Create(context, spec, vmName, directory, parentDisk, keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal));
        try
        {
            await Client.Datastores.MakeDirectoryAsync(context.Datacenter, directory, true, cancellationToken);
            var vm = await Client.VirtualMachines.CreateAsync(context.Placement.Folder, context.Placement.Pool, config, cancellationToken: cancellationToken);
            return new ContainerEntry(spec.Id, vm, directory, record) { RecordChunks = recordChunks, SpecChunks = specChunks };
        }
        catch (Exception e) when (e is VsphereFault or HttpRequestException or TimeoutException)
        {
            // Nothing may be left behind: a VM that half-exists was not registered, its folder goes.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await context.DeleteQuietlyAsync(directory, limit.Token);
            }
            catch (Exception cleanup) when (cleanup is VsphereFault or HttpRequestException or OperationCanceledException)
            {
                Log.CleanupFailed(context.Logger, directory.ToString(), cleanup.Message);
            }
            throw Faults.Translate($"creating containerVM {vmName}", e)!;
        }
    }

    /// <summary>Hands power reports for the entry's VM to <see cref="OnPowerStateAsync"/>.</summary>
    public void Watch(ContainerEntry entry) => watcher.Register(entry.Vm, state => OnPowerStateAsync(entry, state));

    public async Task StartAsync(string id, CancellationToken cancellationToken)
    {
        var entry = table.Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.Removed)
                throw new NotFoundException($"No such container: {id}");
            if (entry.IsRunning)
                return;
            var before = entry.Record;
            var now = context.Time.GetUtcNow();
            // A start by the user starts the policy's count over (a pending policy restart then finds it running).
            var running = before with { Status = before.Status with { State = ContainerRunState.Running, StartedAt = now, Error = "", ExitCode = 0, RestartCount = 0 } };
            entry.RestartDelay = TimeSpan.Zero;
            // One reconfigure: the record says Running and the tether gets a spec with the current time.
            await table.SaveAsync(entry, running, cancellationToken, ContainerVmFactory.TetherSpec(before.Spec, now));
            try
            {
                await Client.VirtualMachines.PowerOnAsync(entry.Vm, cancellationToken: cancellationToken);
            }
            catch (Exception e) when (Faults.Translate($"powering on containerVM {entry.Vm.Value}", e) is { } translated)
            {
                var failed = before with { Status = before.Status with { Error = translated.Message } };
                await table.SaveAsync(entry, failed, CancellationToken.None);
                throw translated;
            }
        }
        finally
        {
            entry.Lock.Release();
        }
        table.Raise(id, ContainerRunState.Running, 0);
    }

    public Task StopAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken) =>
        PowerOffAsync(table.Get(id), requireRunning: false, cancellationToken);

    public Task KillAsync(string id, int signal, CancellationToken cancellationToken)
    {
        var entry = table.Get(id);
        if (!entry.IsRunning)
            throw new ConflictException($"Container {id} is not running");
        if (signal != 9)
            throw new NotSupportedByBackendException(
                $"the vsphere backend cannot deliver signal {signal} yet: the containerVM's interaction channel is not implemented; only SIGKILL (a power-off) is");
        return PowerOffAsync(entry, requireRunning: true, cancellationToken);
    }

    /// <summary>Powers the VM off and records the exit: the tether's report when it wrote one first, else 137 (killed).</summary>
    private async Task PowerOffAsync(ContainerEntry entry, bool requireRunning, CancellationToken cancellationToken)
    {
        int exitCode;
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (!entry.IsRunning)
            {
                if (requireRunning)
                    throw new ConflictException($"Container {entry.Id} is not running");
                if (entry.Record.Status.State == ContainerRunState.Restarting)
                {
                    // A stop while a policy restart is pending cancels it, as dockerd's does.
                    var r = entry.Record;
                    await table.SaveAsync(entry, r with { Status = r.Status with { State = ContainerRunState.Exited } }, cancellationToken);
                }
                return;
            }
            try
            {
                await Client.VirtualMachines.PowerOffAsync(entry.Vm, cancellationToken);
            }
            catch (InvalidPowerStateFault)
            {
                // It powered off on its own meanwhile; its report (if any) decides the exit below.
            }
            catch (Exception e) when (Faults.Translate($"powering off containerVM {entry.Vm.Value}", e) is { } translated)
            {
                throw translated;
            }
            exitCode = await RecordExitAsync(entry, killedByUs: true, cancellationToken);
        }
        finally
        {
            entry.Lock.Release();
        }
        table.Raise(entry.Id, ContainerRunState.Exited, exitCode);
    }

    /// <summary>A power report from vSphere. Reports can be stale, so a power-off is acted on only when a fresh read agrees.</summary>
    private async Task OnPowerStateAsync(ContainerEntry entry, VmPowerState reported)
    {
        await entry.Lock.WaitAsync();
        int? exited = null;
        bool started = false, restart = false;
        try
        {
            if (entry.Removed)
                return;
            if (reported == VmPowerState.PoweredOff && entry.IsRunning
                && await Client.VirtualMachines.GetPowerStateAsync(entry.Vm) == VmPowerState.PoweredOff)
            {
                exited = await RecordExitAsync(entry, killedByUs: false, CancellationToken.None);
                restart = await ApplyRestartPolicyAsync(entry);
            }
            else if (reported == VmPowerState.PoweredOn && !entry.IsRunning
                && await Client.VirtualMachines.GetPowerStateAsync(entry.Vm) == VmPowerState.PoweredOn)
            {
                // Powered on outside the VCH (an operator in vSphere): the container runs.
                var r = entry.Record;
                await table.SaveAsync(entry, r with { Status = r.Status with { State = ContainerRunState.Running, StartedAt = context.Time.GetUtcNow() } }, CancellationToken.None);
                started = true;
            }
        }
        finally
        {
            entry.Lock.Release();
        }
        if (exited is { } code)
            table.Raise(entry.Id, ContainerRunState.Exited, code);
        if (started)
            table.Raise(entry.Id, ContainerRunState.Running, 0);
        if (restart)
            _ = RestartLaterAsync(entry, entry.RestartDelay);
    }

    /// <summary>
    /// After a run that ended in the guest (never one the VCH stopped: a stop or kill cancels the policy for that exit):
    /// whether the policy restarts it. If so the record says Restarting with one more restart (caller holds the lock).
    /// </summary>
    private async Task<bool> ApplyRestartPolicyAsync(ContainerEntry entry)
    {
        var r = entry.Record;
        if (!RestartRules.ShouldRestart(r.Spec.Restart, r.Status.ExitCode, manuallyStopped: false, r.Status.RestartCount))
            return false;
        var now = context.Time.GetUtcNow();
        entry.RestartDelay = RestartRules.NextDelay(entry.RestartDelay, now - (r.Status.StartedAt ?? now));
        await table.SaveAsync(entry, r with { Status = r.Status with { State = ContainerRunState.Restarting, RestartCount = r.Status.RestartCount + 1 } }, CancellationToken.None);
        Log.ContainerRestarting(context.Logger, entry.Id, r.Spec.Restart.Mode.ToString(), entry.RestartDelay.TotalMilliseconds);
        return true;
    }

    /// <summary>Powers a Restarting container's VM on again after <paramref name="delay"/>, unless it was started, stopped
    /// or removed meanwhile. A failure leaves it Exited with the reason as its error.</summary>
    private async Task RestartLaterAsync(ContainerEntry entry, TimeSpan delay)
    {
        await Task.Delay(delay, context.Time);
        await entry.Lock.WaitAsync();
        try
        {
            if (entry.Removed || entry.Record.Status.State != ContainerRunState.Restarting)
                return;
            var before = entry.Record;
            var now = context.Time.GetUtcNow();
            var running = before with { Status = before.Status with { State = ContainerRunState.Running, StartedAt = now, Error = "", ExitCode = 0 } };
            try
            {
                await table.SaveAsync(entry, running, CancellationToken.None, ContainerVmFactory.TetherSpec(before.Spec, now));
                await Client.VirtualMachines.PowerOnAsync(entry.Vm);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.RestartFailed(context.Logger, entry.Id, e.Message);
                var failed = before with { Status = before.Status with { State = ContainerRunState.Exited, Error = $"restart by policy failed: {e.Message}" } };
                try
                {
                    await table.SaveAsync(entry, failed, CancellationToken.None);
                }
                catch (Exception saveError) when (saveError is not OutOfMemoryException)
                {
                    // vSphere is unreachable: the record still says Restarting, and the rebuild at the next start settles it.
                    Log.RestartFailed(context.Logger, entry.Id, saveError.Message);
                }
                return;
            }
        }
        finally
        {
            entry.Lock.Release();
        }
        table.Raise(entry.Id, ContainerRunState.Running, 0);
    }

    /// <summary>Records the end of the current run (caller holds the lock) and wakes waiters; returns the exit code.</summary>
    internal async Task<int> RecordExitAsync(ContainerEntry entry, bool killedByUs, CancellationToken cancellationToken)
    {
        var status = entry.Record.Status;
        byte[]? log = await Faults.GuardAsync($"reading the log of containerVM {entry.Vm.Value}", () => context.DownloadOrNullAsync(entry.LogPath, cancellationToken));
        var report = log is null ? null : LogFrames.LastExit(log, status.StartedAt);
        var exit = report is not null ? new ContainerExit(report.ExitCode, report.Error ?? "")
            : killedByUs ? new ContainerExit(137, "")
            : new ContainerExit(255, "containerVM powered off without an exit report from the tether");
        var ended = entry.Record with
        {
            Status = status with { State = ContainerRunState.Exited, ExitCode = exit.ExitCode, Error = exit.Error, FinishedAt = context.Time.GetUtcNow() },
        };
        await table.SaveAsync(entry, ended, cancellationToken);
        entry.SignalExited(exit);
        Log.ContainerExited(context.Logger, entry.Id, exit.ExitCode, killedByUs ? "powered off by the VCH" : "powered off in vSphere");
        return exit.ExitCode;
    }

    public Task PauseAsync(string id, CancellationToken cancellationToken) => throw NoPause(id);

    public Task UnpauseAsync(string id, CancellationToken cancellationToken) => throw NoPause(id);

    private NotSupportedByBackendException NoPause(string id)
    {
        table.Get(id);
        return new NotSupportedByBackendException("pause and unpause are not implemented by the vsphere backend: vSphere can only suspend a VM to disk");
    }

    public async Task<ContainerExit> WaitAsync(string id, WaitCondition condition, CancellationToken cancellationToken)
    {
        var entry = table.Get(id);
        return condition switch
        {
            WaitCondition.NotRunning => entry.IsRunning ? await entry.NextExit.WaitAsync(cancellationToken) : entry.LastExit,
            WaitCondition.NextExit => await entry.NextExit.WaitAsync(cancellationToken),
            WaitCondition.Removed => await entry.RemovedTask.WaitAsync(cancellationToken),
            _ => throw new InvalidArgumentException($"unknown wait condition {condition}"),
        };
    }

    public async Task RemoveAsync(string id, bool force, CancellationToken cancellationToken)
    {
        var entry = table.Get(id);
        if (entry.IsRunning)
        {
            if (!force)
                throw new ConflictException(
                    $"cannot remove container \"/{entry.Record.Spec.Name}\": container is running: stop the container before removing or force remove");
            await PowerOffAsync(entry, requireRunning: false, cancellationToken);
        }
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.Removed)
                throw new NotFoundException($"No such container: {id}");
            if (entry.IsRunning)
                throw new ConflictException($"cannot remove container \"/{entry.Record.Spec.Name}\": container is running");
            await Faults.GuardAsync($"removing containerVM {entry.Vm.Value}", () => DestroyVmAsync(entry, cancellationToken));
            watcher.Unregister(entry.Vm);
            table.Remove(entry);
            entry.SignalRemoved();
        }
        finally
        {
            entry.Lock.Release();
        }
        table.Raise(id, ContainerRunState.Removing, entry.Record.Status.ExitCode);
    }

    /// <summary>
    /// Destroys the VM with its own disk and folder, never the image's layers: the container's disk is detached first
    /// (vSphere deletes a destroyed VM's attached disks) and then deleted alone.
    /// </summary>
    private async Task DestroyVmAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        var disks = (await Client.VirtualMachines.GetDevicesAsync(entry.Vm, cancellationToken)).OfType<VirtualDisk>().ToList();
        if (disks.Count > 0)
            await Client.VirtualMachines.ReconfigureAsync(entry.Vm, new VmConfigSpec { DeviceChanges = disks.Select(d => DeviceChange.Remove(d)).ToList() },
                cancellationToken: cancellationToken);
        await Client.VirtualMachines.DestroyAsync(entry.Vm, cancellationToken);
        foreach (var disk in disks)
        {
            try
            {
                await Client.Disks.DeleteAsync(context.Datacenter, DatastorePath.Parse(disk.Backing.FileName), cancellationToken);
            }
            catch (FileNotFoundFault)
            {
                // Gone with the VM's folder.
            }
        }
        await context.DeleteQuietlyAsync(entry.Directory, cancellationToken);
    }

    public Task<ContainerInfo> InspectAsync(string id, CancellationToken cancellationToken) => Task.FromResult(table.ToInfo(table.Get(id)));

    public Task<IReadOnlyList<ContainerInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerInfo>>(table.All.Select(table.ToInfo).OrderBy(i => i.Created).ToList());

    public async Task<ContainerInfo> UpdateMetadataAsync(string id, string name, IReadOnlyDictionary<string, string> annotations,
        CancellationToken cancellationToken)
    {
        ContainerSpecChecks.ValidateName(name);
        await table.NamesLock.WaitAsync(cancellationToken);
        try
        {
            var entry = table.Get(id);
            if (table.FindByName(name) is { } other && other.Id != id)
                throw new AlreadyExistsException(ContainerSpecChecks.NameInUse(name, other.Id));
            await entry.Lock.WaitAsync(cancellationToken);
            try
            {
                var spec = entry.Record.Spec with { Name = name, Annotations = new Dictionary<string, string>(annotations) };
                // A rename renames the VM too, so the inventory keeps showing <name>-<id>.
                var rename = spec.Name != entry.Record.Spec.Name ? new VmConfigSpec { Name = ContainerEntry.VmName(name, id) } : null;
                await table.SaveAsync(entry, entry.Record with { Spec = spec }, cancellationToken, also: rename);
                return table.ToInfo(entry);
            }
            finally
            {
                entry.Lock.Release();
            }
        }
        finally
        {
            table.NamesLock.Release();
        }
    }

    public async Task<ContainerInfo> UpdateAsync(string id, ContainerUpdate update, CancellationToken cancellationToken)
    {
        var entry = table.Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            var spec = entry.Record.Spec;
            // vSphere would take the weight as the VM's CPU shares (custom level); until that is built, say so.
            if (update.CpuShares is { } shares && shares != spec.CpuShares)
                throw new NotSupportedByBackendException($"Cannot update container {id}: --cpu-shares is not applied by the vSphere backend yet");
            bool resize = (update.MemoryBytes is { } m && m != spec.MemoryBytes) || (update.Cpus is { } c && c != spec.Cpus);
            if (resize && entry.IsRunning)
                throw new ConflictException(
                    $"Cannot update container {id}: the memory and CPUs of a running containerVM cannot be changed; stop the container, update it, then start it");
            var updated = spec with
            {
                Restart = update.Restart ?? spec.Restart,
                MemoryBytes = update.MemoryBytes ?? spec.MemoryBytes,
                Cpus = update.Cpus ?? spec.Cpus,
                Annotations = update.Annotations is null ? spec.Annotations : new Dictionary<string, string>(update.Annotations),
            };
            ContainerSpecChecks.ValidateResources(updated);
            var hardware = resize
                ? new VmConfigSpec
                {
                    NumCpus = updated.Cpus > 0 ? updated.Cpus : context.Options.DefaultCpus,
                    MemoryMb = (updated.MemoryBytes > 0 ? updated.MemoryBytes : context.Options.DefaultMemoryBytes) / (1024 * 1024),
                }
                : null;
            await table.SaveAsync(entry, entry.Record with { Spec = updated }, cancellationToken, also: hardware);
            return table.ToInfo(entry);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    /// <summary>Reads the record of a VM found in the pool (rebuild); null when it is not a containerVM of ours.</summary>
    internal static ContainerRecord? ReadRecord(IReadOnlyDictionary<string, string> extraConfig)
    {
        byte[]? json = ExtraConfigDocument.Decode(ContainerRecord.DocumentName, extraConfig);
        return json is null ? null : JsonSerializer.Deserialize(json, VSphereJson.Default.ContainerRecord);
    }

    /// <summary>Stops watching and logs out; the VMs keep running.</summary>
    public async ValueTask DisposeAsync()
    {
        await watcher.DisposeAsync();
        await context.Client.DisposeAsync();
    }
}
