using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Vic.Engine.Containers;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Events;

/// <summary>
/// Turns the port layer's state changes into Docker container events, and the engine's image, volume and network
/// operations into theirs, for GET /events. Everything is handled in order on one loop (names, images and labels are
/// looked up, remembered for "destroy"), recorded in the
/// <see cref="EventJournal"/> (durably, before anyone sees them), then fanned out to listeners.
/// </summary>
internal sealed class EventBroker(PortLayerServices portLayer, EventJournal journal, Networks.NetworkService networks) : IHostedService
{
    private readonly Lock _gate = new();
    private readonly Channel<Pending> _changes = Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<Channel<EventMessage>, bool> _listeners = new();
    private readonly Dictionary<string, Known> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerRunState> _lastState = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged += OnStateChanged;
        networks.Changed += OnNetworkChanged;
        _loop = Task.Run(() => RunAsync(CancellationToken.None), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged -= OnStateChanged;
        networks.Changed -= OnNetworkChanged;
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

    private void OnStateChanged(object? sender, ContainerStateChanged change) => _changes.Writer.TryWrite(new StateChange(change));

    private void OnNetworkChanged(Networks.NetworkRecord network, bool created) =>
        Publish(EventTypes.Network, created ? "create" : "destroy", network.Id, NetworkAttributes(network));

    /// <summary>
    /// A container event the port layer does not raise (exec_create, exec_start, exec_die...), queued behind the
    /// state changes so listeners see them in order. <paramref name="attributes"/> add to name and image.
    /// </summary>
    public void Publish(string containerId, string action, IReadOnlyDictionary<string, string>? attributes = null, DateTimeOffset? time = null) =>
        _changes.Writer.TryWrite(new ContainerAction(containerId, action, attributes, time ?? DateTimeOffset.UtcNow));

    /// <summary>
    /// An image, volume or network event (<see cref="EventTypes"/>), with its actor as dockerd names it: an image's
    /// reference or ID, a volume's name, a network's ID ("" for prune), and the attributes given. Queued behind
    /// everything published before.
    /// </summary>
    public void Publish(string type, string action, string actorId, Dictionary<string, string> attributes) =>
        _changes.Writer.TryWrite(new ActorEvent(type, action, actorId, attributes, DateTimeOffset.UtcNow));

    /// <summary>A network event's attributes: its name and driver (dockerd's "type").</summary>
    internal static Dictionary<string, string> NetworkAttributes(Networks.NetworkRecord network, string? containerId = null)
    {
        var attributes = new Dictionary<string, string> { ["name"] = network.Name, ["type"] = network.Driver };
        if (containerId is not null)
            attributes["container"] = containerId;
        return attributes;
    }

    private abstract record Pending;

    private sealed record StateChange(ContainerStateChanged Change) : Pending;

    private sealed record ContainerAction(string Id, string Action, IReadOnlyDictionary<string, string>? Attributes, DateTimeOffset Time) : Pending;

    private sealed record ActorEvent(string Type, string Action, string ActorId, Dictionary<string, string> Attributes, DateTimeOffset Time) : Pending;

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var pending in _changes.Reader.ReadAllAsync(cancellationToken))
        {
            IReadOnlyList<EventMessage> messages = pending switch
            {
                StateChange s => await FromStateChangeAsync(s.Change, cancellationToken),
                ContainerAction a => await ContainerEventAsync(a.Id, a.Action, a.Attributes, a.Time, cancellationToken) is { } m ? [m] : [],
                ActorEvent a => [Message(a.Type, a.Action, a.ActorId, a.Attributes, a.Time)],
                _ => [],
            };
            if (messages.Count == 0)
                continue;
            lock (_gate)
            {
                foreach (var message in messages)
                {
                    // Written (and fsynced) first: what a listener sees survives a daemon killed right after.
                    journal.Append(message);
                    foreach (var listener in _listeners.Keys)
                        listener.Writer.TryWrite(message);
                }
            }
        }
    }

    /// <summary>
    /// A state change's container event, and around it what dockerd logs with it: a start follows a network connect per
    /// endpoint and a volume mount per volume (dockerd joins networks, then mounts, then starts); a die follows a network
    /// disconnect per endpoint and a volume unmount per volume (dockerd's cleanup runs before it logs the die).
    /// </summary>
    private async Task<IReadOnlyList<EventMessage>> FromStateChangeAsync(ContainerStateChanged change, CancellationToken cancellationToken)
    {
        // A VM that runs again after a pause was unpaused, not started.
        bool wasPaused = _lastState.GetValueOrDefault(change.Id) == ContainerRunState.Paused;
        _lastState[change.Id] = change.State;
        string? action = change.State switch
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
            return [];
        var attributes = action == "die"
            ? new Dictionary<string, string> { ["exitCode"] = change.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : null;
        var main = await ContainerEventAsync(change.Id, action, attributes, change.Time, cancellationToken);
        if (main is null)
            return [];
        if (action is not ("start" or "die") || !_known.TryGetValue(change.Id, out var known))
            return [main];
        var around = new List<EventMessage>();
        foreach (var nic in known.Spec.Nics)
        {
            if (networks.TryFind(nic.NetworkId) is { } network)
                around.Add(Message(EventTypes.Network, action == "start" ? "connect" : "disconnect", network.Id, NetworkAttributes(network, change.Id), change.Time));
        }
        foreach (var mount in known.Spec.Mounts.Where(m => m.Kind == MountKind.Volume))
        {
            var volume = new Dictionary<string, string> { ["driver"] = "local", ["container"] = change.Id };
            if (action == "start")
            {
                volume["destination"] = mount.Target;
                volume["read/write"] = mount.ReadOnly ? "false" : "true";
                // dockerd sets a propagation mode on bind mounts only; a volume's is empty.
                volume["propagation"] = "";
            }
            around.Add(Message(EventTypes.Volume, action == "start" ? "mount" : "unmount", mount.Source, volume, change.Time));
        }
        around.Add(main);
        return around;
    }

    private async Task<EventMessage?> ContainerEventAsync(string id, string action, IReadOnlyDictionary<string, string>? extra,
        DateTimeOffset time, CancellationToken cancellationToken)
    {
        try
        {
            var info = await portLayer.Containers.InspectAsync(id, cancellationToken);
            var record = DockerAnnotations.Decode(info);
            _known[id] = new Known(record.Name, record.Config.Image, record.Config.Labels ?? [], info.Spec);
        }
        catch (PortLayerException)
        {
            // Gone already: use what we remembered.
        }
        var known = _known.GetValueOrDefault(id);
        if (action == "destroy")
        {
            _known.Remove(id);
            _lastState.Remove(id);
        }
        // As dockerd: the container's labels, then the event's own attributes, then image and name over both.
        var attributes = new Dictionary<string, string>(known?.Labels ?? new Dictionary<string, string>());
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
            attributes[key] = value;
        attributes["image"] = known?.Image ?? "";
        attributes["name"] = known?.Name ?? "";
        return Message(EventTypes.Container, action, id, attributes, time);
    }

    /// <summary>The legacy status/id/from as dockerd fills them: container events all three, image events status and id.</summary>
    private static EventMessage Message(string type, string action, string actorId, Dictionary<string, string> attributes, DateTimeOffset time) => new()
    {
        Status = type is EventTypes.Container or EventTypes.Image ? action : null,
        Id = type is EventTypes.Container or EventTypes.Image ? actorId : null,
        From = type == EventTypes.Container ? attributes.GetValueOrDefault("image") ?? "" : null,
        Type = type,
        Action = action,
        Actor = new EventActor(actorId, attributes),
        Time = time.ToUnixTimeSeconds(),
        TimeNano = (time - DateTimeOffset.UnixEpoch).Ticks * 100,
    };

    /// <summary>What the broker remembers of a container, for its destroy (when it can no longer be inspected).</summary>
    private sealed record Known(string Name, string Image, IReadOnlyDictionary<string, string> Labels, ContainerSpec Spec);

    internal sealed class Subscription(IReadOnlyList<EventMessage> history, ChannelReader<EventMessage> reader, Action unsubscribe) : IDisposable
    {
        /// <summary>Recorded events the subscription asked for, oldest first; they come before anything in <see cref="Reader"/>.</summary>
        public IReadOnlyList<EventMessage> History { get; } = history;

        public ChannelReader<EventMessage> Reader { get; } = reader;

        public void Dispose() => unsubscribe();
    }
}
