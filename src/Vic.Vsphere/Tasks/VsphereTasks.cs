namespace Vic.Vsphere;

/// <summary>Waits for vSphere tasks (the morefs that *_Task methods return) to finish.</summary>
public sealed class VsphereTasks
{
    private static readonly string[] WatchedPaths = ["info.state", "info.progress", "info.error", "info.result", "info.descriptionId"];
    private readonly VsphereClient _client;

    internal VsphereTasks(VsphereClient client) => _client = client;

    /// <summary>
    /// Waits until the task succeeds and returns its result (null for tasks without one). Progress (0-100) is
    /// reported as the server publishes it. On <paramref name="timeout"/> a <see cref="TimeoutException"/> is thrown
    /// and the task goes on running in vSphere; cancelling stops the wait, not the task.
    /// </summary>
    /// <exception cref="VsphereFault">The task failed: the typed fault from info.error, with vSphere's message.</exception>
    public async Task<PropertyValue?> WaitAsync(ManagedObjectReference task, IProgress<int>? progress = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
        {
            limit.CancelAfter(t);
        }
        var state = new Dictionary<string, PropertyValue?>(StringComparer.Ordinal);
        int lastProgress = -1;
        try
        {
            await foreach (var update in _client.Properties.WatchAsync(PropertyFilter.For(task, WatchedPaths), limit.Token))
            {
                if (update.Kind == ObjectUpdateKind.Leave)
                {
                    throw FaultParser.Create("ManagedObjectNotFound", $"task {task.Value} disappeared before it finished", null, task.Value);
                }
                foreach (var change in update.Changes)
                {
                    state[change.Path] = change.Value;
                }
                if (state.GetValueOrDefault("info.progress") is { } p && p.AsInt() != lastProgress)
                {
                    lastProgress = p.AsInt();
                    progress?.Report(lastProgress);
                }
                switch (state.GetValueOrDefault("info.state")?.AsString())
                {
                    case "success":
                        if (lastProgress != 100)
                        {
                            progress?.Report(100);
                        }
                        return state.GetValueOrDefault("info.result");
                    case "error":
                        string name = state.GetValueOrDefault("info.descriptionId")?.AsString() ?? task.Value;
                        var error = state.GetValueOrDefault("info.error");
                        throw error is null
                            ? new VsphereFault("SystemError", $"task {name} failed without an error", null, name)
                            : FaultParser.FromLocalizedFault(error.Xml, name);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout is not null)
        {
            throw new TimeoutException($"task {task.Value} did not finish within {timeout}; it is still running in vSphere");
        }
        throw new InvalidOperationException("the property watch ended without an update");
    }

    /// <summary>Waits for a task expected to return a managed object (CreateVM_Task → the VM).</summary>
    public async Task<ManagedObjectReference> WaitForReferenceAsync(ManagedObjectReference task, IProgress<int>? progress = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = await WaitAsync(task, progress, timeout, cancellationToken);
        return result?.AsReference() ?? throw new FormatException($"task {task.Value} succeeded without returning an object");
    }
}
