namespace Vic.PortLayer;

/// <summary>
/// docker network connect/disconnect for one container. A container's NICs are part of its spec, so every later boot
/// has them; while its VM runs the change is also made live (the backend's way of adding a NIC to a running VM).
/// </summary>
public interface IContainerNics
{
    /// <summary>Adds <paramref name="nic"/>. Conflict when the container already has a NIC on that network, when it is
    /// paused, or when its running VM has no free NIC slot left.</summary>
    Task ConnectAsync(string containerId, NicSpec nic, CancellationToken cancellationToken);

    /// <summary>Removes the container's NIC on <paramref name="networkId"/>. NotFound when it has none there.</summary>
    Task DisconnectAsync(string containerId, string networkId, CancellationToken cancellationToken);
}

/// <summary>The NIC service of a backend that cannot change a container's networks after create.</summary>
public sealed class UnsupportedContainerNics : IContainerNics
{
    public static readonly UnsupportedContainerNics Instance = new();

    private UnsupportedContainerNics() { }

    public Task ConnectAsync(string containerId, NicSpec nic, CancellationToken cancellationToken) => throw Refused();
    public Task DisconnectAsync(string containerId, string networkId, CancellationToken cancellationToken) => throw Refused();

    private static NotSupportedByBackendException Refused() => new("docker network connect and disconnect are not supported by this backend");
}
