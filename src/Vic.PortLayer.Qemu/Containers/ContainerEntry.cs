using Vic.PortLayer;
using Vic.PortLayer.Qemu.Logs;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// The in-memory view of one container. <see cref="Record"/> is immutable and swapped whole after it has been
/// persisted, so readers never need the lock; state transitions (start, exit, remove) hold <see cref="Lock"/>.
/// </summary>
internal sealed class ContainerEntry(string id, string directory, ContainerRecord record)
{
    private TaskCompletionSource<ContainerExit> _nextExit = NewSignal<ContainerExit>();
    private readonly TaskCompletionSource<ContainerExit> _removed = NewSignal<ContainerExit>();
    private TaskCompletionSource _started = NewSignal();
    private volatile int _generation;

    public string Id { get; } = id;
    public string Directory { get; } = directory;
    public string LogPath => Path.Combine(Directory, Storage.DatastoreLayout.OutputLogFile);
    public SemaphoreSlim Lock { get; } = new(1, 1);

    public ContainerRecord Record { get; set; } = record;
    /// <summary>The VM is up: running, paused (its CPUs stopped by QEMU), or restarting while its tether waits out the
    /// back-off before relaunching the process (<see cref="IsRelaunching"/>).</summary>
    public bool IsRunning => Record.Status.State is ContainerRunState.Running or ContainerRunState.Paused || IsRelaunching;

    /// <summary>Restarting inside a VM that is up (the tether relaunches the process); a restart that needs a new VM has
    /// no pid.</summary>
    public bool IsRelaunching => Record.Status.State == ContainerRunState.Restarting && Record.Status.Pid != 0;
    public bool IsPaused => Record.Status.State == ContainerRunState.Paused;
    public bool Removed { get; private set; }

    /// <summary>Set when the VCH forced the VM off: a run without an Exit record then reads as 137, not a crash.</summary>
    public bool KilledByUs { get; set; }

    /// <summary>The delay before the last policy restart (dockerd's back-off); in memory, as in dockerd.</summary>
    public TimeSpan RestartDelay { get; set; }
    /// <summary>Cancels the policy restart waiting out its delay; set while the state is Restarting.</summary>
    public CancellationTokenSource? PendingRestart { get; set; }

    public ControlChannel? Control { get; set; }
    public CancellationTokenSource? WatcherCancellation { get; set; }

    public RunSnapshot Snapshot() => new(IsRunning, _generation, Removed);

    /// <summary>Completes when the current or next run ends.</summary>
    public Task<ContainerExit> NextExit => _nextExit.Task;
    public Task<ContainerExit> RemovedTask => _removed.Task;
    /// <summary>Completes at the next start.</summary>
    public Task NextStart => _started.Task;

    public ContainerExit LastExit => new(Record.Status.ExitCode, Record.Status.Error);

    public void SignalStarted()
    {
        Interlocked.Increment(ref _generation);
        Interlocked.Exchange(ref _started, NewSignal()).TrySetResult();
    }

    public void SignalExited(ContainerExit exit) =>
        Interlocked.Exchange(ref _nextExit, NewSignal<ContainerExit>()).TrySetResult(exit);

    public void SignalRemoved()
    {
        Removed = true;
        _removed.TrySetResult(LastExit);
        _nextExit.TrySetResult(LastExit); // nobody waits forever for a run of a container that is gone
    }

    private static TaskCompletionSource<T> NewSignal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
