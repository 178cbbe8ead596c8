using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// <see cref="IContainerLifecycle"/> over containerVMs on the local datastore. Creation and removal are
/// atomic on disk (a container directory appears and disappears by rename); running is <see cref="VmRunner"/>'s.
/// Disposing stops the backend's watchers and connections but never the VMs (DESIGN rule 2).
/// </summary>
internal sealed class ContainerLifecycle(
    QemuBackendOptions options,
    ContainerRegistry registry,
    VmRunner runner,
    LayerStore layers,
    QemuImg qemuImg,
    HostResources host,
    ILogger logger) : IContainerLifecycle, IAsyncDisposable
{
    /// <summary>The volumes containers may name; set by the backend's composition.</summary>
    public required VolumeStore Volumes { get; init; }

    public event EventHandler<ContainerStateChanged>? StateChanged
    {
        add => registry.StateChanged += value;
        remove => registry.StateChanged -= value;
    }

    public async Task<ContainerInfo> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        ContainerSpecValidator.Validate(spec, host.MemoryBytes, host.Cpus);
        ContainerSpecValidator.ValidateMounts(spec.Mounts);
        BindSources.Prepare(spec);
        ContainerEntry entry;
        // Volumes first, then names: a volume this container names cannot be removed until it is registered.
        await Volumes.Lock.WaitAsync(cancellationToken);
        await registry.NamesLock.WaitAsync(cancellationToken);
        try
        {
            foreach (MountSpec m in spec.Mounts.Where(m => m.Kind == MountKind.Volume))
            {
                if (!Volumes.Exists(m.Source))
                    throw new NotFoundException($"get {m.Source}: no such volume");
            }
            if (registry.Contains(spec.Id) || Directory.Exists(registry.Layout.ContainerDir(spec.Id)))
                throw new AlreadyExistsException($"container {spec.Id} already exists");
            if (registry.FindByName(spec.Name) is { } other)
                throw new AlreadyExistsException(NameInUse(spec.Name, other.Id));

            string dir = registry.Layout.ContainerDir(spec.Id);
            string work = DatastoreLayout.NewTempDir(registry.Layout.ContainersDir);
            var record = new ContainerRecord
            {
                Spec = spec with { Annotations = new Dictionary<string, string>(spec.Annotations) },
                Created = options.TimeProvider.GetUtcNow(),
                Status = new ContainerStatus { State = ContainerRunState.Created },
            };
            Directory.CreateDirectory(work);
            bool pinned = false;
            try
            {
                // The image layer stays pinned until the container is registered, so it cannot be removed meanwhile.
                await layers.UseParentDiskAsync(spec.ImageLayerId,
                    parent => qemuImg.CreateChildAsync(parent, Path.Combine(work, DatastoreLayout.DiskFile), cancellationToken),
                    releaseAfter: false, cancellationToken);
                pinned = true;
                await ContainerRegistry.WriteRecordAsync(work, record, cancellationToken);
                Directory.Move(work, dir);
                AtomicFile.FsyncDirectory(registry.Layout.ContainersDir);
                entry = new ContainerEntry(spec.Id, dir, record);
                registry.Add(entry);
            }
            catch
            {
                DatastoreLayout.TryDeleteDirectory(work);
                throw;
            }
            finally
            {
                if (pinned)
                    await layers.ReleaseParentAsync(spec.ImageLayerId);
            }
        }
        finally
        {
            registry.NamesLock.Release();
            Volumes.Lock.Release();
        }
        Log.ContainerCreated(logger, spec.Id, spec.Name);
        registry.Raise(spec.Id, ContainerRunState.Created, 0);
        return registry.ToInfo(entry);
    }

    public Task StartAsync(string id, CancellationToken cancellationToken) =>
        runner.StartAsync(registry.Get(id), cancellationToken);

    public Task StopAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken) =>
        runner.StopAsync(registry.Get(id), timeout, cancellationToken);

    public Task KillAsync(string id, int signal, CancellationToken cancellationToken) =>
        runner.KillAsync(registry.Get(id), signal, cancellationToken);

    public Task PauseAsync(string id, CancellationToken cancellationToken) =>
        runner.PauseAsync(registry.Get(id), cancellationToken);

    public Task UnpauseAsync(string id, CancellationToken cancellationToken) =>
        runner.UnpauseAsync(registry.Get(id), cancellationToken);

    public async Task<ContainerExit> WaitAsync(string id, WaitCondition condition, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(id);
        switch (condition)
        {
            case WaitCondition.NotRunning:
                Task<ContainerExit> next = entry.NextExit;
                return entry.IsRunning ? await next.WaitAsync(cancellationToken) : entry.LastExit;
            case WaitCondition.NextExit:
                return await entry.NextExit.WaitAsync(cancellationToken);
            case WaitCondition.Removed:
                return await entry.RemovedTask.WaitAsync(cancellationToken);
            default:
                throw new InvalidArgumentException($"unknown wait condition {condition}");
        }
    }

    public async Task RemoveAsync(string id, bool force, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(id);
        if (entry.IsRunning)
        {
            if (!force)
                throw new ConflictException(
                    $"cannot remove container \"/{entry.Record.Spec.Name}\": container is {(entry.IsRelaunching ? "restarting" : "running")}: stop the container before removing or force remove");
            try
            {
                await runner.KillAsync(entry, 9, cancellationToken);
            }
            catch (ConflictException)
            {
                // It stopped on its own meanwhile.
            }
        }
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.Removed)
                throw new NotFoundException($"No such container: {id}");
            if (entry.IsRunning)
                throw new ConflictException($"cannot remove container \"/{entry.Record.Spec.Name}\": container is running");
            entry.WatcherCancellation?.Cancel();
            VmRunner.CancelPendingRestart(entry);
            DatastoreLayout.DeleteAtomically(entry.Directory);
            Virtiofsd.ForgetPidFiles(entry.Id);
            registry.Remove(entry);
            entry.SignalRemoved();
        }
        finally
        {
            entry.Lock.Release();
        }
        // There is no "removed" state: Removing is raised once the container is gone.
        registry.Raise(id, ContainerRunState.Removing, entry.Record.Status.ExitCode);
    }

    public Task<ContainerInfo> InspectAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(registry.ToInfo(registry.Get(id)));

    public Task<IReadOnlyList<ContainerInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerInfo>>(
            registry.All.Where(e => !e.Removed).Select(registry.ToInfo).OrderBy(i => i.Created).ToList());

    public async Task<ContainerInfo> UpdateMetadataAsync(string id, string name, IReadOnlyDictionary<string, string> annotations,
        CancellationToken cancellationToken)
    {
        ContainerSpecValidator.ValidateName(name);
        await registry.NamesLock.WaitAsync(cancellationToken);
        try
        {
            ContainerEntry entry = registry.Get(id);
            if (registry.FindByName(name) is { } other && other.Id != id)
                throw new AlreadyExistsException(NameInUse(name, other.Id));
            await entry.Lock.WaitAsync(cancellationToken);
            try
            {
                ContainerSpec spec = entry.Record.Spec with { Name = name, Annotations = new Dictionary<string, string>(annotations) };
                await registry.SaveAsync(entry, entry.Record with { Spec = spec }, cancellationToken);
                return registry.ToInfo(entry);
            }
            finally
            {
                entry.Lock.Release();
            }
        }
        finally
        {
            registry.NamesLock.Release();
        }
    }

    public async Task<ContainerInfo> UpdateAsync(string id, ContainerUpdate update, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            ContainerSpec spec = entry.Record.Spec;
            // A running VM's CPUs are fixed at boot (no CPU hotplug on microvm): refuse, change nothing.
            if (update.Cpus is { } c && c != spec.Cpus && entry.IsRunning)
                throw new ConflictException(
                    $"Cannot update container {id}: the CPUs of a running containerVM cannot be changed; stop the container, update it, then start it");
            var updated = spec with
            {
                Restart = update.Restart ?? spec.Restart,
                MemoryBytes = update.MemoryBytes ?? spec.MemoryBytes,
                Cpus = update.Cpus ?? spec.Cpus,
                CpuShares = update.CpuShares ?? spec.CpuShares,
                Annotations = update.Annotations is null ? spec.Annotations : new Dictionary<string, string>(update.Annotations),
            };
            ContainerSpecValidator.Validate(updated, host.MemoryBytes, host.Cpus);
            // Its memory can go down (and back up to what it booted with) through the balloon, before anything is saved.
            if (updated.MemoryBytes != spec.MemoryBytes && entry.IsRunning)
                await runner.SetRunningMemoryAsync(entry, updated.MemoryBytes > 0 ? updated.MemoryBytes : options.DefaultMemoryBytes, cancellationToken);
            // A running VM is re-weighted first: if that is refused, nothing was saved.
            if (updated.CpuShares != spec.CpuShares && entry.IsRunning)
                CpuWeight.Apply(entry.Record.Status.Pid, updated.CpuShares);
            await registry.SaveAsync(entry, entry.Record with { Spec = updated }, cancellationToken);
            if (update.Restart is { } restart && restart != spec.Restart)
                await runner.PushRestartPolicyAsync(entry, restart, cancellationToken);
            return registry.ToInfo(entry);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    private static string NameInUse(string name, string id) =>
        $"Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.";

    public ValueTask DisposeAsync() => runner.DisposeAsync();
}
