using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Containers;

/// <summary>
/// The in-memory view of one containerVM. <see cref="Record"/> is swapped whole after it was written to the VM's
/// extraConfig; state transitions (start, stop, exit seen in vSphere, remove) hold <see cref="Lock"/>.
/// </summary>
internal sealed class ContainerEntry(string id, ManagedObjectReference vm, DatastorePath directory, ContainerRecord record)
{
    private TaskCompletionSource<ContainerExit> _nextExit = NewSignal();
    private readonly TaskCompletionSource<ContainerExit> _removed = NewSignal();

    public string Id { get; } = id;
    public ManagedObjectReference Vm { get; } = vm;

    /// <summary>The VM's folder on the datastore (named after the container's first name; a rename keeps it).</summary>
    public DatastorePath Directory { get; } = directory;
    public DatastorePath LogPath => Directory.Combine(Placement.OutputLogName);
    public SemaphoreSlim Lock { get; } = new(1, 1);
    public ContainerRecord Record { get; set; } = record;

    /// <summary>Chunks of the record and guestinfo spec documents now in extraConfig (to clear leftovers of a longer one).</summary>
    public int RecordChunks { get; set; }
    public int SpecChunks { get; set; }

    /// <summary>The delay before the next policy restart (doubles while runs stay short, see RestartRules).</summary>
    public TimeSpan RestartDelay { get; set; }

    public bool IsRunning => Record.Status.State is ContainerRunState.Running or ContainerRunState.Paused;
    public bool Removed { get; private set; }

    public Task<ContainerExit> NextExit => _nextExit.Task;
    public Task<ContainerExit> RemovedTask => _removed.Task;
    public ContainerExit LastExit => new(Record.Status.ExitCode, Record.Status.Error);

    public void SignalExited(ContainerExit exit) => Interlocked.Exchange(ref _nextExit, NewSignal()).TrySetResult(exit);

    public void SignalRemoved()
    {
        Removed = true;
        _removed.TrySetResult(LastExit);
        _nextExit.TrySetResult(LastExit);
    }

    /// <summary>The containerVM's name in the inventory: &lt;container name&gt;-&lt;first 12 hex of the ID&gt;.</summary>
    public static string VmName(string name, string id) => $"{name}-{id[..12]}";

    private static TaskCompletionSource<ContainerExit> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
