using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Vic.Engine.Containers;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Events;

/// <summary>
/// Turns the port layer's state changes into Docker container events for GET /events. Changes are handled in
/// order on one loop (names and images are looked up, remembered for "destroy"), recorded in the
/// <see cref="EventJournal"/> (durably, before anyone sees them), then fanned out to listeners.
/// </summary>
internal sealed class EventBroker(PortLayerServices portLayer, EventJournal journal) : IHostedService
{
    private readonly Lock _gate = new();
    private readonly Channel<Pending> _changes = Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<Channel<EventMessage>, bool> _listeners = new();
    private readonly Dictionary<string, (string Name, string Image)> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerRunState> _lastState = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged += OnStateChanged;
        _loop = Task.Run(() => RunAsync(CancellationToken.None), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged -= OnStateChanged;
        _changes.Writer.TryComplete();
        await _loop.WaitAsync(cancellationToken);
        foreach (var listener in _listeners.Keys)
            listener.Writer.TryComplete();
    }

    /// <summary>A listener's events from now on; dispose the subscription to stop.</summary>
    public Subscription Subscribe() => Subscribe(null, null);

    /// <summary>
    /// dockerd's subscription: the recorded events between <paramref name="since"/> and <paramref name="until"/>
    /// (Unix nanoseconds; none when both are null) in <see cref="Subscription.History"/>, then every event from now on.
    /// Taken together under the broker's gate, so no event is both in the history and in the stream, and none falls between.
    /// </summary>
    public Subscription Subscribe(long? since, long? until)
    {
        var channel = Channel.CreateBounded<EventMessage>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            var history = journal.Between(since, until);
            _listeners[channel] = true;
            return new Subscription(history, channel.Reader, () => _listeners.TryRemove(channel, out _));
        }
    }

    private void OnStateChanged(object? sender, ContainerStateChanged change) => _changes.Writer.TryWrite(new Pending(change, null, null));

    /// <summary>
    /// A container event the port layer does not raise (exec_create, exec_start, exec_die...), queued behind the
    /// state changes so listeners see them in order. <paramref name="attributes"/> add to name and image.
    /// </summary>
    public void Publish(string containerId, string action, IReadOnlyDictionary<string, string>? attributes = null, DateTimeOffset? time = null) =>
        _changes.Writer.TryWrite(new Pending(new ContainerStateChanged(containerId, ContainerRunState.Running, 0, time ?? DateTimeOffset.UtcNow), action, attributes));

    private sealed record Pending(ContainerStateChanged Change, string? Action, IReadOnlyDictionary<string, string>? Attributes);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var pending in _changes.Reader.ReadAllAsync(cancellationToken))
        {
            var message = await ToMessageAsync(pending.Change, pending.Action, pending.Attributes, cancellationToken);
            if (message is null)
                continue;
            lock (_gate)
            {
                // Written (and fsynced) first: what a listener sees survives a daemon killed right after.
                journal.Append(message);
                foreach (var listener in _listeners.Keys)
                    listener.Writer.TryWrite(message);
            }
        }
    }

    private async Task<EventMessage?> ToMessageAsync(ContainerStateChanged change, string? explicitAction,
        IReadOnlyDictionary<string, string>? extra, CancellationToken cancellationToken)
    {
        // A VM that runs again after a pause was unpaused, not started.
        bool wasPaused = _lastState.GetValueOrDefault(change.Id) == ContainerRunState.Paused;
        if (explicitAction is null)
            _lastState[change.Id] = change.State;
        string? action = explicitAction ?? change.State switch
        {
            ContainerRunState.Running when wasPaused => "unpause",
            ContainerRunState.Created => "create",
            ContainerRunState.Running => "start",
            ContainerRunState.Paused => "pause",
            ContainerRunState.Exited => "die",
            ContainerRunState.Removing or ContainerRunState.Dead => "destroy",
            _ => null,
        };
        if (action is null)
            return null;
        try
        {
            var record = DockerAnnotations.Decode(await portLayer.Containers.InspectAsync(change.Id, cancellationToken));
            _known[change.Id] = (record.Name, record.Config.Image);
        }
        catch (PortLayerException)
        {
            // Gone already: use what we remembered.
        }
        var (name, image) = _known.GetValueOrDefault(change.Id, ("", ""));
        if (action == "destroy")
        {
            _known.Remove(change.Id);
            _lastState.Remove(change.Id);
        }
        var attributes = new Dictionary<string, string> { ["name"] = name, ["image"] = image };
        if (action == "die")
            attributes["exitCode"] = change.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
            attributes[key] = value;
        long nanos = (change.Time - DateTimeOffset.UnixEpoch).Ticks * 100;
        return new EventMessage
        {
            Status = action,
            Id = change.Id,
            From = image,
            Action = action,
            Actor = new EventActor(change.Id, attributes),
            Time = change.Time.ToUnixTimeSeconds(),
            TimeNano = nanos,
        };
    }

    internal sealed class Subscription(IReadOnlyList<EventMessage> history, ChannelReader<EventMessage> reader, Action unsubscribe) : IDisposable
    {
        /// <summary>Recorded events the subscription asked for, oldest first; they come before anything in <see cref="Reader"/>.</summary>
        public IReadOnlyList<EventMessage> History { get; } = history;

        public ChannelReader<EventMessage> Reader { get; } = reader;

        public void Dispose() => unsubscribe();
    }
}
