using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.PortLayer;

namespace Vic.Engine.Health;

/// <summary>
/// Runs health checks the way dockerd does, with the VCH as the daemon: a container with a check is probed while it
/// runs (starting afresh at each start, resuming after an unpause or a VCH restart), probing stops when it stops or
/// pauses (it then reads unhealthy), and its health goes when it is removed. State changes are handled in order on
/// one loop; each probed container has its own <see cref="HealthProbeLoop"/>.
/// </summary>
internal sealed partial class HealthMonitor(
    PortLayerServices portLayer, HealthStates states, HealthStore store, IHealthProbe probe, IProbeClock clock,
    EventBroker events, ILogger<HealthMonitor> log) : IHostedService
{
    // A null item asks for the adoption pass (at start, before any change is handled).
    private readonly Channel<ContainerStateChanged?> _work = Channel.CreateUnbounded<ContainerStateChanged?>(new() { SingleReader = true });
    private readonly Dictionary<string, HealthProbeLoop> _loops = new(StringComparer.Ordinal);
    private readonly Queue<TaskCompletionSource> _drains = new();
    private const string DrainMarker = "";
    private Task _worker = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged += OnStateChanged;
        _work.Writer.TryWrite(null);
        _worker = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops probing without touching any container's health: the containers run on, and the next start of
    /// the VCH resumes where this one left off.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged -= OnStateChanged;
        _work.Writer.TryComplete();
        await _worker.WaitAsync(cancellationToken);
        foreach (var loop in _loops.Values)
            await loop.StopAsync();
        _loops.Clear();
    }

    /// <summary>Completes once every change queued so far has been handled (for tests).</summary>
    internal async Task DrainAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_drains)
            _drains.Enqueue(done);
        _work.Writer.TryWrite(new ContainerStateChanged(DrainMarker, ContainerRunState.Created, 0, default));
        await done.Task;
    }

    private void OnStateChanged(object? sender, ContainerStateChanged change) => _work.Writer.TryWrite(change);

    private async Task RunAsync()
    {
        await foreach (var change in _work.Reader.ReadAllAsync())
        {
            try
            {
                if (change is null)
                    await AdoptAsync();
                else if (change.Id == DrainMarker)
                {
                    lock (_drains)
                        _drains.Dequeue().TrySetResult();
                }
                else
                    await HandleAsync(change);
            }
            catch (Exception e) when (e is PortLayerException or IOException)
            {
                LogFailed(log, change?.Id ?? "(adoption)", e.Message);
            }
        }
    }

    /// <summary>After a VCH start: the stored health of every container, and probing for those that run.</summary>
    private async Task AdoptAsync()
    {
        var stored = await store.LoadAllAsync(CancellationToken.None);
        var containers = await portLayer.Containers.ListAsync(CancellationToken.None);
        var known = containers.Select(c => c.Spec.Id).ToHashSet(StringComparer.Ordinal);
        foreach (string gone in stored.Keys.Where(id => !known.Contains(id)))
            await store.DeleteAsync(gone, CancellationToken.None);
        foreach (var info in containers)
        {
            if (stored.TryGetValue(info.Spec.Id, out var state) && states.Find(info.Spec.Id) is null)
                states.Set(info.Spec.Id, HealthState.FromStored(state));
            await EnsureProbingAsync(info);
        }
    }

    private async Task HandleAsync(ContainerStateChanged change)
    {
        switch (change.State)
        {
            case ContainerRunState.Running:
                ContainerInfo info;
                try
                {
                    info = await portLayer.Containers.InspectAsync(change.Id, CancellationToken.None);
                }
                catch (NotFoundException)
                {
                    return; // removed meanwhile; its Removing follows
                }
                await EnsureProbingAsync(info);
                break;
            case ContainerRunState.Removing:
                await StopProbingAsync(change.Id, markUnhealthy: false);
                states.Remove(change.Id);
                await store.DeleteAsync(change.Id, CancellationToken.None);
                break;
            default:
                await StopProbingAsync(change.Id, markUnhealthy: true);
                break;
        }
    }

    /// <summary>
    /// Probes a running container that has a check. A run it already probes is left alone; the run its stored state
    /// belongs to is resumed as it was (unpause, VCH restart); any other run begins as "starting" with no failures.
    /// </summary>
    private async Task EnsureProbingAsync(ContainerInfo info)
    {
        if (info.Status.State != ContainerRunState.Running)
            return; // it moved on since the change was raised; that change is queued behind this one
        var record = DockerAnnotations.Decode(info);
        var command = HealthRules.ProbeCommand(record.Config.Healthcheck, record.Config.Shell);
        if (command is null)
            return;
        string id = record.Id;
        var startedAt = info.Status.StartedAt ?? clock.UtcNow;
        if (_loops.TryGetValue(id, out var running))
        {
            if (running.RunStartedAt == startedAt)
                return;
            await StopProbingAsync(id, markUnhealthy: false);
        }
        var state = states.Find(id);
        if (state is null || state.RunStartedAt != startedAt)
        {
            state ??= new HealthState();
            state.BeginRun(startedAt);
            states.Set(id, state);
            await SaveAsync(id, state);
        }
        var loop = new HealthProbeLoop(id, record.Config, command, state, startedAt, probe, clock,
            (before, after) => RecordedAsync(id, state, before, after));
        _loops[id] = loop;
        loop.Start();
        LogProbing(log, id, string.Join(' ', command));
    }

    private async Task StopProbingAsync(string id, bool markUnhealthy)
    {
        if (!_loops.Remove(id, out var loop))
            return;
        await loop.StopAsync();
        if (markUnhealthy && states.Find(id) is { } state)
        {
            state.MonitorStopped();
            await SaveAsync(id, state);
        }
    }

    private async Task RecordedAsync(string id, HealthState state, string before, string after)
    {
        await SaveAsync(id, state);
        if (before != after)
            events.Publish(id, "health_status: " + after);
    }

    private async Task SaveAsync(string id, HealthState state)
    {
        try
        {
            await store.SaveAsync(id, state.ToStored(), CancellationToken.None);
        }
        catch (Exception e) when (e is PortLayerException or IOException)
        {
            // In memory it is right; only a VCH restart before the next save would show the older state.
            LogSaveFailed(log, id, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "health checks of {Id}: {Command}")]
    private static partial void LogProbing(ILogger logger, string id, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "health monitor could not handle {Id}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not save the health of {Id}: {Reason}")]
    private static partial void LogSaveFailed(ILogger logger, string id, string reason);
}
