using System.Collections.Concurrent;
using Vic.Engine.Models;

namespace Vic.Engine.Health;

/// <summary>The health of every container that has one, in memory for inspect, ps and filters; the monitor owns the
/// changes and the store keeps them durable.</summary>
internal sealed class HealthStates
{
    private readonly ConcurrentDictionary<string, HealthState> _states = new(StringComparer.Ordinal);

    /// <summary>Null for a container with no health check, or one never started with it (dockerd's nil Health).</summary>
    public HealthState? Find(string containerId) => _states.GetValueOrDefault(containerId);

    public ContainerHealth? Snapshot(string containerId) => Find(containerId)?.ToWire();

    public void Set(string containerId, HealthState state) => _states[containerId] = state;

    public void Remove(string containerId) => _states.TryRemove(containerId, out _);
}
