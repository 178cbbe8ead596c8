namespace Vic.PortLayer;

/// <summary>
/// Execution intents for containerVMs. Every method is safe to call concurrently for different containers;
/// calls for one container are serialized by the backend. IDs are full IDs: resolving names and prefixes
/// is the caller's job (see <see cref="FindAsync"/>).
/// </summary>
public interface IContainerLifecycle
{
    /// <summary>Creates the VM's disk and stored config. Throws AlreadyExists for a taken ID or name,
    /// NotFound when the image layer is missing, InvalidArgument for impossible resources. On failure nothing is left.</summary>
    Task<ContainerInfo> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken);

    /// <summary>Boots the VM. A running container is left alone (no error). Throws NotFound, or Internal with the
    /// hypervisor's message when the VM cannot boot.</summary>
    Task StartAsync(string id, CancellationToken cancellationToken);

    /// <summary>Stops are manual: the restart policy does not restart the container (unless-stopped not even after a
    /// VCH restart) until it is started again. Sends the stop signal, waits up to <paramref name="timeout"/> (null: the spec's), then kills. No-op when not running.</summary>
    Task StopAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>Delivers <paramref name="signal"/> to the container's process. Throws Conflict when not running.</summary>
    Task KillAsync(string id, int signal, CancellationToken cancellationToken);

    /// <summary>Freezes the running VM (its CPUs stop; memory and devices stay). Throws Conflict when not running or already paused.</summary>
    Task PauseAsync(string id, CancellationToken cancellationToken);

    /// <summary>Resumes a paused VM. Throws Conflict when not paused.</summary>
    Task UnpauseAsync(string id, CancellationToken cancellationToken);

    /// <summary>Waits for <paramref name="condition"/>; returns the exit code of the run that ended.</summary>
    Task<ContainerExit> WaitAsync(string id, WaitCondition condition, CancellationToken cancellationToken);

    /// <summary>Removes the VM, its disk and logs. Throws Conflict when running unless <paramref name="force"/> (then kills first).</summary>
    Task RemoveAsync(string id, bool force, CancellationToken cancellationToken);

    /// <summary>Current spec and state. Throws NotFound.</summary>
    Task<ContainerInfo> InspectAsync(string id, CancellationToken cancellationToken);

    /// <summary>All containers of this VCH.</summary>
    Task<IReadOnlyList<ContainerInfo>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Replaces name and annotations (rename, personality metadata). Throws AlreadyExists on a taken name.</summary>
    Task<ContainerInfo> UpdateMetadataAsync(string id, string name, IReadOnlyDictionary<string, string> annotations, CancellationToken cancellationToken);

    /// <summary>
    /// Changes what can change (docker update). The restart policy applies from the next exit; memory and CPUs of a
    /// running VM cannot change and are refused with Conflict, nothing changed. Throws NotFound, InvalidArgument for
    /// impossible resources.
    /// </summary>
    Task<ContainerInfo> UpdateAsync(string id, ContainerUpdate update, CancellationToken cancellationToken);

    /// <summary>Raised after every state change (created, started, died, removed); for events and restart logic.</summary>
    event EventHandler<ContainerStateChanged>? StateChanged;
}

public sealed record ContainerStateChanged(string Id, ContainerRunState State, int ExitCode, DateTimeOffset Time);
