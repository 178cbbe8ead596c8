using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Logs;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Vm;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// Runs containerVMs: boots them, watches for their end, delivers signals, forces them off. The watcher is the
/// only place that turns "QEMU is gone" into Exited, so every path to an exit (the process ending, a stop, a
/// kill, a VCH restart) records it the same way.
/// </summary>
internal sealed class VmRunner(
    QemuBackendOptions options,
    ContainerRegistry registry,
    QemuLauncher launcher,
    AcceleratorProbe accelerator,
    Network.NamespaceFabric? fabric,
    VolumeStore volumes,
    ILogger logger) : IAsyncDisposable
{
    // Held from the volume-use check until the VM is recorded as running, so two starts cannot both find a volume free.
    private readonly SemaphoreSlim _attachLock = new(1, 1);
    // Volume disks attached to Files VMs of stopped containers (docker cp), so a start cannot attach them meanwhile.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, VolumeUse.Loan> _lent = new(StringComparer.Ordinal);
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(3);
    private readonly CancellationTokenSource _shutdown = new();
    private TimeProvider Time => options.TimeProvider;

    /// <summary>
    /// Boots the VM. A start by the user clears the manual stop and the restart count (as docker start does); a start
    /// by the restart policy (<paramref name="byPolicy"/>) only proceeds while the container is still Restarting.
    /// </summary>
    public async Task StartAsync(ContainerEntry entry, CancellationToken cancellationToken, bool byPolicy = false)
    {
        int pid;
        long runLogOffset;
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.Removed)
                throw new NotFoundException($"No such container: {entry.Id}");
            if (entry.IsRunning)
                return;
            if (byPolicy && (entry.Record.ManuallyStopped || entry.Record.Status.State != ContainerRunState.Restarting))
                return; // stopped or started by the user meanwhile
            if (!byPolicy)
            {
                CancelPendingRestart(entry);
                entry.RestartDelay = TimeSpan.Zero;
            }
            if (!File.Exists(Path.Combine(entry.Directory, DatastoreLayout.DiskFile)))
                throw new InternalException($"container {entry.Id} has lost its disk");
            string accel = await accelerator.GetAsync().WaitAsync(cancellationToken);
            DateTimeOffset now = Time.GetUtcNow();
            ContainerSpec spec = entry.Record.Spec;
            VmMounts mounts = VmMounts.Plan(spec, volumes);
            // Restarts before this boot count against on-failure's limit, which the tether applies from here on.
            int restartBase = byPolicy ? entry.Record.Status.RestartCount : 0;

            TransferSpec transfer = TransferDiskFile.SpecFor(TransferDiskFile.DeviceAfter(1 + mounts.Disks.Count));
            TransferDiskFile.Create(entry.Directory, transfer);
            var vmSpecValue = VmSpecFactory.ForContainer(spec, now) with
            {
                Mounts = mounts.Mounts,
                Transfer = transfer,
                SpareNics = SpareSlots(entry).Select(slot => NicSlots.SlotMac(entry.Id, slot)).ToList(),
                RestartCount = restartBase,
            };
            byte[] vmSpec = JsonSerializer.SerializeToUtf8Bytes(vmSpecValue, ProtocolJson.Default.VmSpec);
            await AtomicFile.WriteAsync(Path.Combine(entry.Directory, DatastoreLayout.SpecFile), vmSpec, cancellationToken);
            // The run's first byte in output.log is recorded before QEMU exists, so even a VCH crash right after
            // launch leaves a record that tells this run's output (and Exit record) from earlier runs'.
            runLogOffset = FileLength(entry.LogPath);
            var pending = entry.Record with { RunLogOffset = runLogOffset, ManuallyStopped = false, RunRestartBase = restartBase, TetherRelaunches = true };
            await registry.SaveAsync(entry, pending, cancellationToken);

            bool attaching = mounts != VmMounts.None;
            if (attaching)
                await _attachLock.WaitAsync(cancellationToken);
            try
            {
                try
                {
                    await CreateTapsAsync(entry, cancellationToken);
                    pid = await LaunchWithMountsAsync(entry, accel, mounts, cancellationToken);
                    ApplyCpuWeight(entry, pid);
                }
                catch (PortLayerException e)
                {
                    await DeleteTapsAsync(entry);
                    // A policy restart that cannot launch ends the restarting: the container reads as exited, with why.
                    var failed = pending.Status with { Error = e.Message, State = pending.Status.State == ContainerRunState.Restarting ? ContainerRunState.Exited : pending.Status.State };
                    await registry.SaveAsync(entry, pending with { Status = failed }, CancellationToken.None);
                    throw;
                }

                var status = new ContainerStatus
                {
                    State = ContainerRunState.Running,
                    Pid = pid,
                    StartedAt = now,
                    RestartCount = restartBase,
                };
                try
                {
                    await registry.SaveAsync(entry, pending with { Status = status }, CancellationToken.None);
                }
                catch
                {
                    // Unrecorded VMs would be invisible after a restart: never leave one running.
                    VmProcess.Kill(pid, entry.Directory);
                    throw;
                }
            }
            finally
            {
                if (attaching)
                    _attachLock.Release();
            }
            entry.KilledByUs = false;
            entry.SignalStarted();
            StartWatcher(entry, pid, catchUp: false);
            Log.VmStarted(logger, entry.Id, pid, accel);
        }
        finally
        {
            entry.Lock.Release();
        }
        registry.Raise(entry.Id, ContainerRunState.Running, 0);
        await WaitForLaunchAsync(entry, runLogOffset, cancellationToken);
    }

    /// <summary>
    /// A start succeeds when the tether has launched the process, as dockerd's start returns once the task runs.
    /// When the tether could not launch it (missing executable, unknown user...), its Exit record carries the reason
    /// and the start fails with it, so clients print it and the docker CLI derives 125/126/127 from it.
    /// </summary>
    private async Task WaitForLaunchAsync(ContainerEntry entry, long runLogOffset, CancellationToken cancellationToken)
    {
        var deadline = Time.GetUtcNow() + options.LaunchReportTimeout;
        Task<ContainerExit> exited = entry.NextExit; // this run's: taken while it is known to be running
        bool runningAtStart = entry.IsRunning;
        LogFileReader? reader = null;
        try
        {
            while (Time.GetUtcNow() < deadline)
            {
                reader ??= LogFileReader.Open(entry.LogPath, runLogOffset);
                while (reader is not null && await reader.ReadNextAsync(cancellationToken) is { } record)
                {
                    if (record.Kind == LogRecordKind.Started)
                        return;
                    if (record.Kind != LogRecordKind.Exit)
                        continue;
                    var report = ExitRecordReader.Parse(record);
                    if (string.IsNullOrEmpty(report?.Error))
                        return;
                    // Let the watcher record the exit first, so inspect and wait agree with the error returned here.
                    if (runningAtStart)
                        await exited.WaitAsync(options.LaunchReportTimeout, cancellationToken);
                    throw new InvalidArgumentException(report.Error);
                }
                if (!entry.IsRunning)
                    return; // the VM ended without a report; the watcher has recorded why
                await Task.Delay(TimeSpan.FromMilliseconds(50), Time, cancellationToken);
            }
        }
        finally
        {
            reader?.Dispose();
        }
    }

    /// <summary>Takes over a VM found running at startup (DESIGN rule 2).</summary>
    public void Adopt(ContainerEntry entry, int pid)
    {
        entry.SignalStarted();
        StartWatcher(entry, pid, catchUp: true);
        Log.VmAdopted(logger, entry.Id, pid);
    }

    /// <summary>Stops the VM's CPUs (QMP "stop"): every process in it freezes, its memory stays.</summary>
    public async Task PauseAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.IsPaused)
                throw new ConflictException($"Container {entry.Id} is already paused");
            if (entry.IsRelaunching)
                throw new ConflictException($"Container {entry.Id} is restarting, wait until the container is running");
            if (!entry.IsRunning)
                throw new ConflictException($"Container {entry.Id} is not running");
            if (await QmpClient.ExecuteAsync(entry.Directory, "stop", KillGrace, cancellationToken) is null)
                throw new InternalException($"Cannot pause container {entry.Id}: the hypervisor did not answer");
            await registry.SaveAsync(entry, entry.Record with { Status = entry.Record.Status with { State = ContainerRunState.Paused } }, CancellationToken.None);
        }
        finally
        {
            entry.Lock.Release();
        }
        registry.Raise(entry.Id, ContainerRunState.Paused, 0);
    }

    public async Task UnpauseAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (!entry.IsPaused)
                throw new ConflictException($"Container {entry.Id} is not paused");
            await ResumeLockedAsync(entry, cancellationToken);
        }
        finally
        {
            entry.Lock.Release();
        }
        registry.Raise(entry.Id, ContainerRunState.Running, 0);
    }

    private async Task ResumeLockedAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        if (await QmpClient.ExecuteAsync(entry.Directory, "cont", KillGrace, cancellationToken) is null)
            throw new InternalException($"Cannot unpause container {entry.Id}: the hypervisor did not answer");
        await registry.SaveAsync(entry, entry.Record with { Status = entry.Record.Status with { State = ContainerRunState.Running } }, CancellationToken.None);
    }

    /// <summary>
    /// Sets a running VM's memory to <paramref name="bytes"/> through its balloon (QMP "balloon"): the guest's
    /// virtio_balloon driver takes the difference out of the kernel's managed memory, so the container sees less, as a
    /// lowered memory limit means. A VM cannot be given more than it booted with (microvm has no memory hotplug): that
    /// is refused. Call with the entry's lock held; the next boot uses the spec's memory and no balloon.
    /// </summary>
    public async Task SetRunningMemoryAsync(ContainerEntry entry, long bytes, CancellationToken cancellationToken)
    {
        var summary = await QmpClient.ExecuteAsync(entry.Directory, "query-memory-size-summary", KillGrace, cancellationToken)
            ?? throw new InternalException($"Cannot update container {entry.Id}: the hypervisor did not answer");
        long booted = summary.GetProperty("base-memory").GetInt64();
        if (bytes > booted)
            throw new ConflictException($"Cannot update container {entry.Id}: the memory of a running containerVM can be lowered " +
                $"but not raised above the {booted} bytes it started with; stop the container, update it, then start it");
        var arguments = new System.Text.Json.Nodes.JsonObject { ["value"] = bytes };
        if (await QmpClient.ExecuteAsync(entry.Directory, "balloon", KillGrace, cancellationToken, arguments) is null)
            throw new InternalException($"Cannot update container {entry.Id}: the hypervisor did not answer");
    }

    /// <summary>A stop of a paused container resumes it first, so the stop signal can be handled.</summary>
    private async Task ResumeIfPausedAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        bool resumed = false;
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.IsPaused)
            {
                await ResumeLockedAsync(entry, cancellationToken);
                resumed = true;
            }
        }
        finally
        {
            entry.Lock.Release();
        }
        if (resumed)
            registry.Raise(entry.Id, ContainerRunState.Running, 0);
    }

    public async Task StopAsync(ContainerEntry entry, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        await MarkManuallyStoppedAsync(entry, cancellationToken);
        if (!entry.IsRunning)
            return;
        await ResumeIfPausedAsync(entry, cancellationToken);
        ContainerSpec spec = entry.Record.Spec;
        TimeSpan wait = timeout ?? TimeSpan.FromSeconds(spec.StopTimeoutSeconds);
        if (wait < TimeSpan.Zero)
            wait = Timeout.InfiniteTimeSpan;
        await TellNoRelaunchAsync(entry, cancellationToken);

        if (await TrySignalAsync(entry, spec.StopSignal, cancellationToken) && await WaitForVmEndAsync(entry, wait, cancellationToken))
            return;
        if (await TrySignalAsync(entry, 9, cancellationToken) && await WaitForVmEndAsync(entry, KillGrace, cancellationToken))
            return;
        await PowerOffAsync(entry, cancellationToken);
        await WaitForVmEndAsync(entry, TimeSpan.FromSeconds(10), cancellationToken);
    }

    public async Task KillAsync(ContainerEntry entry, int signal, CancellationToken cancellationToken)
    {
        if (signal is < 1 or > 64)
            throw new InvalidArgumentException($"Invalid signal: {signal}");
        if (await MarkManuallyStoppedAsync(entry, cancellationToken))
            return; // it was waiting to restart: cancelling that restart is the whole kill
        if (!entry.IsRunning)
            throw new ConflictException($"Container {entry.Id} is not running");
        if (entry.IsPaused)
        {
            if (signal != 9)
                throw new ConflictException($"Container {entry.Id} is paused. Unpause the container before stopping or killing");
            await ResumeIfPausedAsync(entry, cancellationToken);
        }
        await TellNoRelaunchAsync(entry, cancellationToken);
        bool sent = await TrySignalAsync(entry, signal, cancellationToken);
        if (signal == 9 && !(sent && await WaitForVmEndAsync(entry, KillGrace, cancellationToken)))
        {
            await PowerOffAsync(entry, cancellationToken);
            await WaitForVmEndAsync(entry, TimeSpan.FromSeconds(10), cancellationToken);
        }
        else if (!sent)
        {
            throw new ConflictException($"Container {entry.Id} is not accepting signals");
        }
    }

    /// <summary>
    /// Records that the user stopped the container, before any signal goes out, so the exit that follows is not
    /// restarted. A container waiting to restart becomes Exited at once; true when that happened.
    /// </summary>
    private async Task<bool> MarkManuallyStoppedAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        bool wasRestarting;
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.Removed || (!entry.IsRunning && entry.Record.Status.State != ContainerRunState.Restarting))
                return false;
            CancelPendingRestart(entry);
            // Only a restart that waits for a new VM ends here; a VM whose tether waits to relaunch ends once it hears
            // of the stop (TellNoRelaunchAsync), and its exit is recorded when QEMU is gone.
            wasRestarting = entry.Record.Status.State == ContainerRunState.Restarting && !entry.IsRelaunching;
            var status = wasRestarting ? entry.Record.Status with { State = ContainerRunState.Exited } : entry.Record.Status;
            await registry.SaveAsync(entry, entry.Record with { ManuallyStopped = true, Status = status }, CancellationToken.None);
        }
        finally
        {
            entry.Lock.Release();
        }
        if (wasRestarting)
            registry.Raise(entry.Id, ContainerRunState.Exited, entry.Record.Status.ExitCode);
        return wasRestarting;
    }

    /// <summary>
    /// A stop or kill by the user, told to the tether before any signal, so the exit the signal causes is not relaunched
    /// inside the VM (and a relaunch waiting out its back-off is dropped, which powers the VM off).
    /// </summary>
    private async Task TellNoRelaunchAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        if (!entry.Record.TetherRelaunches)
            return;
        try
        {
            await SendAsync(entry, ControlFrame.StopNoRelaunch(), cancellationToken);
        }
        catch (ConflictException e)
        {
            // Not reachable: the stop goes on with signals and, failing those, a forced power-off.
            Log.RelaunchFrameFailed(logger, entry.Id, "stop", e.Message);
        }
    }

    /// <summary>docker update --restart of a running container: the tether applies the new policy from the next exit on.
    /// Where the frame cannot be delivered, the policy takes effect at the next start (it is saved in the spec).</summary>
    public async Task PushRestartPolicyAsync(ContainerEntry entry, ContainerRestartPolicy policy, CancellationToken cancellationToken)
    {
        if (!entry.IsRunning || !entry.Record.TetherRelaunches)
            return;
        var frame = ControlFrame.ForRestartPolicy(VmSpecFactory.ForTether(policy) ?? new RestartPolicySpec { Mode = RelaunchMode.No });
        try
        {
            await SendAsync(entry, frame, cancellationToken);
        }
        catch (ConflictException e)
        {
            Log.RelaunchFrameFailed(logger, entry.Id, "restart policy", e.Message);
        }
    }

    public static void CancelPendingRestart(ContainerEntry entry)
    {
        lock (entry)
        {
            entry.PendingRestart?.Cancel();
            entry.PendingRestart = null;
        }
    }

    /// <summary>Sends a control frame to a running container (stdin, resize, signal). Throws Conflict when not running.</summary>
    public async Task SendAsync(ContainerEntry entry, ControlFrame frame, CancellationToken cancellationToken)
    {
        await ChannelFor(entry).SendAsync(frame, cancellationToken);
    }

    /// <summary>The running container's control channel. Throws Conflict when not running.</summary>
    public ControlChannel ChannelFor(ContainerEntry entry)
    {
        if (!entry.IsRunning)
            throw new ConflictException($"Container {entry.Id} is not running");
        lock (entry)
            return entry.Control ??= new ControlChannel(entry.Directory);
    }

    private async Task<bool> TrySignalAsync(ContainerEntry entry, int signal, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(entry, ControlFrame.Signal(signal), cancellationToken);
            return true;
        }
        catch (ConflictException)
        {
            return false;
        }
    }

    /// <summary>Last resort: QMP quit, then SIGKILL of the QEMU process. The run then reads as killed (137).</summary>
    private async Task PowerOffAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        int pid = entry.Record.Status.Pid;
        if (!VmProcess.IsAlive(pid, entry.Directory))
            return;
        entry.KilledByUs = true;
        Log.ForcedPowerOff(logger, entry.Id, "QMP quit");
        if (await QmpClient.QuitAsync(entry.Directory, KillGrace, cancellationToken)
            && await VmProcess.WaitForExitAsync(pid, entry.Directory, KillGrace, Time, cancellationToken))
            return;
        Log.ForcedPowerOff(logger, entry.Id, "SIGKILL");
        VmProcess.Kill(pid, entry.Directory);
    }

    /// <summary>
    /// Waits until the VM is gone. Not just the next exit: an exit the tether relaunches (announced as the container's
    /// exit, as dockerd does) can be recorded after a stop went out, and the VM powers off only after it.
    /// </summary>
    private async Task<bool> WaitForVmEndAsync(ContainerEntry entry, TimeSpan timeout, CancellationToken cancellationToken)
    {
        bool forever = timeout == Timeout.InfiniteTimeSpan;
        DateTimeOffset deadline = forever ? DateTimeOffset.MaxValue : Time.GetUtcNow() + timeout;
        while (true)
        {
            Task<ContainerExit> next = entry.NextExit; // taken before the check, so an exit in between is not missed
            if (!entry.IsRunning)
                return true;
            TimeSpan left = forever ? Timeout.InfiniteTimeSpan : deadline - Time.GetUtcNow();
            if (!forever && left <= TimeSpan.Zero)
                return false;
            if (!await WaitAsync(next, left, cancellationToken))
                return false;
        }
    }

    private async Task<bool> WaitAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, Time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <param name="catchUp">An adopted VM: the relaunches it made while no VCH ran are folded in without events.</param>
    private void StartWatcher(ContainerEntry entry, int pid, bool catchUp)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        entry.WatcherCancellation?.Dispose();
        entry.WatcherCancellation = cts;
        // The log's length now, taken before the watcher task runs: records written while no VCH ran end at or before
        // it and are folded in silently; anything written from here on happens while this backend is up, and its
        // die and start events must be raised however late the watcher's first look comes.
        long silentUntil = catchUp ? LogLength(entry.LogPath) : -1;
        _ = Task.Run(() => WatchAsync(entry, pid, silentUntil, cts.Token), CancellationToken.None);
    }

    private static long LogLength(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return -1;
        }
    }

    private async Task WatchAsync(ContainerEntry entry, int pid, long silentUntil, CancellationToken cancellationToken)
    {
        using var runs = new RunRecordScanner(entry.LogPath, entry.Record.RunLogOffset);
        try
        {
            while (VmProcess.IsAlive(pid, entry.Directory))
            {
                await FollowRunsAsync(entry, pid, runs, silentUntil, cancellationToken);
                await Task.Delay(options.PollInterval, Time, cancellationToken);
            }
            await FollowRunsAsync(entry, pid, runs, silentUntil, cancellationToken); // what it wrote just before it ended
            await RecordExitAsync(entry, pid, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The backend is shutting down; the VM keeps running and the next backend adopts it.
        }
        catch (Exception e)
        {
            Log.WatcherFailed(logger, e, entry.Id);
        }
    }

    /// <summary>
    /// Applies the Started and Exit records the tether wrote since the last look (relaunches inside the VM): counts,
    /// times and states are saved; each exit and relaunch written past <paramref name="silentUntil"/> is raised (die
    /// and start events) and completes the waits on them, as dockerd's restarts do.
    /// </summary>
    private async Task FollowRunsAsync(ContainerEntry entry, int pid, RunRecordScanner runs, long silentUntil, CancellationToken cancellationToken)
    {
        List<RunRecord> records = await runs.ReadNewAsync(cancellationToken);
        if (records.Count == 0)
            return;
        var raised = new List<(ContainerRunState State, ContainerStatus Status)>();
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (!entry.IsRunning || entry.Record.Status.Pid != pid)
                return;
            ContainerStatus status = entry.Record.Status;
            foreach (RunRecord record in records)
            {
                status = RunProgress.Apply(status, entry.Record.RunRestartBase, record, out ContainerRunState? change);
                if (change is { } state && record.End > silentUntil)
                    raised.Add((state, status));
            }
            if (status != entry.Record.Status)
                await registry.SaveAsync(entry, entry.Record with { Status = status }, CancellationToken.None);
        }
        finally
        {
            entry.Lock.Release();
        }
        foreach (var (state, status) in raised)
        {
            if (state == ContainerRunState.Exited)
            {
                Log.VmExited(logger, entry.Id, status.ExitCode, status.Error);
                entry.SignalExited(new ContainerExit(status.ExitCode, status.Error));
            }
            else
            {
                Log.Relaunched(logger, entry.Id, status.RestartCount);
                entry.SignalStarted();
            }
            registry.Raise(entry.Id, state, status.ExitCode);
        }
    }

    /// <summary>The status of a VM found ended at startup, with the relaunches its tether made while no VCH ran.</summary>
    public static async Task<ContainerStatus> CatchUpAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        using var runs = new RunRecordScanner(entry.LogPath, entry.Record.RunLogOffset);
        ContainerStatus status = entry.Record.Status;
        foreach (RunRecord record in await runs.ReadNewAsync(cancellationToken))
            status = RunProgress.Apply(status, entry.Record.RunRestartBase, record, out _);
        return status;
    }

    private async Task RecordExitAsync(ContainerEntry entry, int pid, CancellationToken cancellationToken)
    {
        ContainerExit exit;
        bool restart;
        bool exitAnnounced;
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (!entry.IsRunning || entry.Record.Status.Pid != pid)
                return;
            // Stopped while the tether waited to relaunch: that exit was announced already (its die event).
            exitAnnounced = entry.IsRelaunching;
            exit = await ReadExitAsync(entry.LogPath, entry.Record.RunLogOffset, entry.KilledByUs, cancellationToken);
            DateTimeOffset now = Time.GetUtcNow();
            ContainerStatus exited = ExitedStatus(entry.Record.Status, exit, now);
            // A stop or kill by the user cancels the policy for this exit, whatever the policy (as dockerd's does).
            restart = !entry.Record.ManuallyStopped
                && RestartRules.ShouldRestart(entry.Record.Spec.Restart, exit.ExitCode, manuallyStopped: false, exited.RestartCount);
            if (restart)
            {
                entry.RestartDelay = RestartRules.NextDelay(entry.RestartDelay, now - (entry.Record.Status.StartedAt ?? now));
                exited = exited with { State = ContainerRunState.Restarting, RestartCount = exited.RestartCount + 1 };
            }
            await registry.SaveAsync(entry, entry.Record with { Status = exited }, CancellationToken.None);
            await CloseControlAsync(entry);
            await DeleteTapsAsync(entry);
            // QEMU cannot unlink sockets it bound by relative path once it has chdir'd to "/".
            foreach (string stale in new[] { DatastoreLayout.QmpSocketFile, DatastoreLayout.ControlSocketFile, DatastoreLayout.PidFile })
                File.Delete(Path.Combine(entry.Directory, stale));
        }
        finally
        {
            entry.Lock.Release();
        }
        Log.VmExited(logger, entry.Id, exit.ExitCode, exit.Error);
        entry.SignalExited(exit);
        if (!exitAnnounced)
            registry.Raise(entry.Id, ContainerRunState.Exited, exit.ExitCode);
        if (restart)
            ScheduleRestart(entry, entry.RestartDelay);
    }

    /// <summary>
    /// Applies the restart policy to a container found not running when the backend starts (DESIGN rule 2: policies
    /// outlive the VCH process). A VM that ended while the VCH was down, or was waiting to restart, is restarted as
    /// its policy says and counts as a restart; a container that was already stopped is started the way dockerd does
    /// at daemon start (always; unless-stopped when not stopped by the user; on-failure after a failure).
    /// </summary>
    public async Task ApplyPolicyAtStartupAsync(ContainerEntry entry, bool endedWhileDown, CancellationToken cancellationToken)
    {
        ContainerRecord record = entry.Record;
        ContainerStatus status = record.Status;
        bool wasRestarting = status.State == ContainerRunState.Restarting;
        if (status.State is not (ContainerRunState.Exited or ContainerRunState.Restarting)
            || !RestartRules.ShouldRestart(record.Spec.Restart, status.ExitCode, record.ManuallyStopped, status.RestartCount))
        {
            if (wasRestarting)
                await registry.SaveAsync(entry, record with { Status = status with { State = ContainerRunState.Exited } }, cancellationToken);
            return;
        }
        bool countsAsRestart = endedWhileDown || wasRestarting;
        if (endedWhileDown && !wasRestarting)
            status = status with { RestartCount = status.RestartCount + 1 };
        else if (!countsAsRestart)
            status = status with { RestartCount = 0 };
        await registry.SaveAsync(entry, record with { Status = status with { State = ContainerRunState.Restarting } }, cancellationToken);
        Log.RestartAtStartup(logger, entry.Id, record.Spec.Restart.Mode.ToString());
        ScheduleRestart(entry, TimeSpan.Zero);
    }

    private void ScheduleRestart(ContainerEntry entry, TimeSpan delay)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        lock (entry)
        {
            entry.PendingRestart?.Cancel();
            entry.PendingRestart = cts;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(delay, Time, cts.Token);
                await StartAsync(entry, cts.Token, byPolicy: true);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                // Stopped, removed or started by the user meanwhile, or the backend is shutting down (the next one
                // finds the container Restarting and carries on).
            }
            catch (PortLayerException e)
            {
                Log.RestartFailed(logger, entry.Id, e.Message);
                if (e is InvalidArgumentException)
                    return; // the tether could not launch the process: that run's exit is recorded and may restart again
                await SettleFailedRestartAsync(entry);
            }
        }, CancellationToken.None);
    }

    /// <summary>A policy restart that failed before the VM ran leaves the container Exited, not Restarting forever.</summary>
    private async Task SettleFailedRestartAsync(ContainerEntry entry)
    {
        await entry.Lock.WaitAsync();
        try
        {
            if (entry.Removed || entry.Record.Status.State != ContainerRunState.Restarting)
                return;
            await registry.SaveAsync(entry, entry.Record with { Status = entry.Record.Status with { State = ContainerRunState.Exited } }, CancellationToken.None);
        }
        finally
        {
            entry.Lock.Release();
        }
        registry.Raise(entry.Id, ContainerRunState.Exited, entry.Record.Status.ExitCode);
    }

    /// <summary>How a run ended: the tether's Exit record, else 137 when we forced it off, else a crash (255).</summary>
    public static async Task<ContainerExit> ReadExitAsync(string logPath, long runOffset, bool killedByUs, CancellationToken cancellationToken)
    {
        ExitReport? report = await ExitRecordReader.ReadLastExitAsync(logPath, runOffset, cancellationToken);
        if (report is not null)
            return new ContainerExit(report.ExitCode, report.Error ?? "");
        return killedByUs ? new ContainerExit(137, "") : new ContainerExit(255, "containerVM exited unexpectedly");
    }

    public static ContainerStatus ExitedStatus(ContainerStatus running, ContainerExit exit, DateTimeOffset now) => running with
    {
        State = ContainerRunState.Exited,
        Pid = 0,
        ExitCode = exit.ExitCode,
        Error = exit.Error,
        FinishedAt = now,
        Leases = [], // the VM released them as it powered off
    };

    /// <summary>The VM's --cpu-shares as its QEMU's nice value (<see cref="CpuWeight"/>); a VM whose weight cannot be
    /// set is not left running with another one.</summary>
    private static void ApplyCpuWeight(ContainerEntry entry, int pid)
    {
        if (entry.Record.Spec.CpuShares == 0)
            return;
        try
        {
            CpuWeight.Apply(pid, entry.Record.Spec.CpuShares);
        }
        catch
        {
            VmProcess.Kill(pid, entry.Directory);
            throw;
        }
    }

    /// <summary>
    /// Checks the volumes are free to attach, starts a virtiofsd per bind mount, then QEMU with the volume disks and
    /// shares added after the container's own devices. A failure stops the daemons it started.
    /// </summary>
    private async Task<int> LaunchWithMountsAsync(ContainerEntry entry, string accel, VmMounts mounts, CancellationToken cancellationToken)
    {
        VmLaunch launch = BuildLaunch(entry, accel);
        if (mounts == VmMounts.None)
            return await launcher.StartDaemonAsync(launch, cancellationToken);
        VolumeUse.CheckFree(entry, registry.All, volumes.IsShared, _lent);
        var daemons = new List<System.Diagnostics.Process>();
        try
        {
            BindSources.Prepare(entry.Record.Spec);
            for (int i = 0; i < mounts.Shares.Count; i++)
                daemons.Add(await Virtiofsd.StartAsync(options.VirtiofsdBinary, entry.Directory, mounts.Shares[i].Socket, mounts.ShareSources[i], cancellationToken));
            int pid = await launcher.StartDaemonAsync(launch with { Disks = [.. launch.Disks, .. mounts.Disks], Shares = mounts.Shares }, cancellationToken);
            // Still under the attach lock: the next start plans these disks as already seeded.
            await volumes.MarkAttachedAsync(DiskVolumes(entry.Record.Spec), CancellationToken.None);
            return pid;
        }
        catch
        {
            daemons.ForEach(Virtiofsd.Stop);
            throw;
        }
    }

    /// <summary>
    /// The mounts of a stopped container, for the Files VM that serves docker cp on it (dockerd copies into and out of
    /// a container's volumes and bind mounts, not the paths beneath them): checked free like a start's, and its volume
    /// disks held until the loan is returned, so no container starts with one of them meanwhile. The container's own
    /// lock is held by the caller, so the container itself cannot start either.
    /// </summary>
    public async Task<MountLoan> LendMountsAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        ContainerSpec spec = entry.Record.Spec;
        VmMounts mounts = VmMounts.Plan(spec, volumes);
        if (mounts == VmMounts.None)
            return new MountLoan(mounts, []);
        await _attachLock.WaitAsync(cancellationToken);
        try
        {
            VolumeUse.CheckFree(entry, registry.All, volumes.IsShared, _lent);
            BindSources.Prepare(spec);
            var held = VolumeUse.Volumes(spec).Where(v => !volumes.IsShared(v.Key)).ToList();
            await volumes.MarkAttachedAsync(held.Select(v => v.Key), CancellationToken.None);
            foreach (var (name, writes) in held)
                _lent[name] = new VolumeUse.Loan(entry.Id, writes);
            return new MountLoan(mounts, held.Select(v => v.Key).ToList(), name => _lent.TryRemove(name, out _));
        }
        finally
        {
            _attachLock.Release();
        }
    }

    private IEnumerable<string> DiskVolumes(ContainerSpec spec) => VolumeUse.Volumes(spec).Keys.Where(name => !volumes.IsShared(name));

    /// <summary>A stopped container's mounts lent to a Files VM; disposing it returns the volume disks.</summary>
    public sealed class MountLoan(VmMounts mounts, IReadOnlyList<string> volumeNames, Func<string, bool>? give = null) : IDisposable
    {
        private int _returned;

        public VmMounts Mounts { get; } = mounts;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) != 0 || give is null)
                return;
            foreach (string name in volumeNames)
                give(name);
        }
    }

    private VmLaunch BuildLaunch(ContainerEntry entry, string accel)
    {
        ContainerSpec spec = entry.Record.Spec;
        long memory = spec.MemoryBytes > 0 ? spec.MemoryBytes : options.DefaultMemoryBytes;
        return new VmLaunch
        {
            Directory = entry.Directory,
            Name = $"vic-{entry.Id[..12]}",
            Kernel = registry.Layout.Kernel,
            Initramfs = registry.Layout.Initramfs,
            MemoryMiB = (memory + (1 << 20) - 1) >> 20,
            Cpus = spec.Cpus > 0 ? spec.Cpus : options.DefaultCpus,
            Accelerator = accel,
            TcgTranslationCacheMiB = options.TcgTranslationCacheMiB,
            TscKhz = HostTsc.KiloHertz,
            Disks = [new VmDisk(Path.Combine(entry.Directory, DatastoreLayout.DiskFile), "qcow2", ReadOnly: false)],
            TransferDisk = Path.Combine(entry.Directory, DatastoreLayout.TransferFile),
            Nics = [.. spec.Nics.Select((nic, i) => new VmNic(nic.Mac, Network.NamespaceFabric.TapName(entry.Id, i))),
                    .. SpareSlots(entry).Select(slot => new VmNic(NicSlots.SlotMac(entry.Id, slot), Network.NamespaceFabric.TapName(entry.Id, slot)))],
            NetworkNamespace = spec.Nics.Count > 0 ? fabric?.Name : null,
        };
    }

    /// <summary>
    /// Slot numbers of the spare NICs the VM boots with, after its networks' NICs: a microvm cannot hot-plug a device,
    /// so these are what docker network connect uses while it runs (<see cref="ContainerNics"/>). Only VMs that have
    /// networking get spares (a container with --network none stays without NICs, as dockerd keeps it).
    /// </summary>
    private IEnumerable<int> SpareSlots(ContainerEntry entry)
    {
        int nics = entry.Record.Spec.Nics.Count;
        if (fabric is null || nics == 0)
            return [];
        return Enumerable.Range(nics, Math.Max(0, Math.Min(options.SpareNicSlots, NicSlots.MaxSlots - nics)));
    }

    /// <summary>Plugs a fresh tap per NIC into its network's bridge, before QEMU opens them.</summary>
    private async Task CreateTapsAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        var nics = entry.Record.Spec.Nics;
        if (nics.Count == 0)
            return;
        if (fabric is null)
            throw new UnavailableException("container networking is not configured for this VCH (no network namespace)");
        for (int i = 0; i < nics.Count; i++)
            await fabric.CreateTapAsync(Network.NamespaceFabric.TapName(entry.Id, i), nics[i].NetworkId, cancellationToken);
        foreach (int slot in SpareSlots(entry))
            await fabric.CreateSpareTapAsync(Network.NamespaceFabric.TapName(entry.Id, slot), cancellationToken);
    }

    /// <summary>Taps outlive QEMU (they are persistent), so each run's are removed when it ends: every slot's, found by
    /// name in the namespace, because connect and disconnect change which slots are on a bridge while the VM runs.</summary>
    private async Task DeleteTapsAsync(ContainerEntry entry)
    {
        if (fabric is null)
            return;
        try
        {
            foreach (string tap in (await fabric.ListTapsAsync(Network.NamespaceFabric.TapName(entry.Id, 0)[..^1], CancellationToken.None)).Keys)
            {
                try
                {
                    await fabric.DeleteTapAsync(tap, CancellationToken.None);
                }
                catch (PortLayerException e)
                {
                    Log.TapCleanupFailed(logger, tap, entry.Id, e.Message);
                }
            }
        }
        catch (PortLayerException e)
        {
            Log.TapCleanupFailed(logger, "vt" + entry.Id[..10] + "*", entry.Id, e.Message);
        }
    }

    private static long FileLength(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    /// <summary>Stops watching and closes control connections; VMs keep running (DESIGN rule 2).</summary>
    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        foreach (ContainerEntry entry in registry.All)
            await CloseControlAsync(entry);
    }

    private static async Task CloseControlAsync(ContainerEntry entry)
    {
        ControlChannel? control;
        lock (entry)
        {
            control = entry.Control;
            entry.Control = null;
        }
        if (control is not null)
            await control.DisposeAsync();
    }
}
