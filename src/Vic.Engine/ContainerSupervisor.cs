using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vic.Engine.Containers;
using Vic.Engine.Hijack;
using Vic.PortLayer;

namespace Vic.Engine;

/// <summary>
/// Docker semantics that follow a container's state rather than a request: AutoRemove (<c>--rm</c>) removes a
/// container once it exits, and on start removes AutoRemove containers that exited while the VCH was down.
/// </summary>
internal sealed partial class ContainerSupervisor(
    PortLayerServices portLayer, StartFailures startFailures, ILogger<ContainerSupervisor> log) : IHostedService
{
    private readonly ConcurrentDictionary<Task, bool> _pending = new();
    private readonly CancellationTokenSource _stopping = new();

    private IContainerLifecycle Lifecycle => portLayer.Containers;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Lifecycle.StateChanged += OnStateChanged;
        Track(SweepAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Lifecycle.StateChanged -= OnStateChanged;
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_pending.Keys).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or PortLayerException)
        {
            // Shutting down: unfinished removals are retried by the next start's sweep.
        }
    }

    private void OnStateChanged(object? sender, ContainerStateChanged change)
    {
        if (change.State is ContainerRunState.Exited or ContainerRunState.Dead)
            Track(AutoRemoveAsync(change.Id, _stopping.Token));
        else if (change.State is ContainerRunState.Removing)
            startFailures.Forget(change.Id);
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var info in await Lifecycle.ListAsync(cancellationToken))
        {
            if (info.Status.State is ContainerRunState.Exited or ContainerRunState.Dead)
                await AutoRemoveAsync(info.Spec.Id, cancellationToken);
        }
    }

    private async Task AutoRemoveAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var record = DockerAnnotations.Decode(await Lifecycle.InspectAsync(id, cancellationToken));
            if (!record.HostConfig.AutoRemove || record.State is not (ContainerRunState.Exited or ContainerRunState.Dead))
                return;
            await Lifecycle.RemoveAsync(id, force: false, cancellationToken);
            // As dockerd does for --rm: the container's anonymous volumes go with it.
            await Volumes.AnonymousVolumes.RemoveAsync(portLayer.Volumes, record.Info.Spec.Mounts);
            LogAutoRemoved(log, id);
        }
        catch (NotFoundException)
        {
            // Already gone (docker rm raced us).
        }
        catch (PortLayerException e)
        {
            LogAutoRemoveFailed(log, id, e.Message);
        }
    }

    private void Track(Task task)
    {
        _pending[task] = true;
        _ = task.ContinueWith(t => _pending.TryRemove(t, out _), TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "removed container {Id} after it exited (AutoRemove)")]
    private static partial void LogAutoRemoved(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not auto-remove container {Id}: {Reason}")]
    private static partial void LogAutoRemoveFailed(ILogger logger, string id, string reason);
}
