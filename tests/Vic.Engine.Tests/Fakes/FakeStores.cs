using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

/// <summary>Unused by the personality directly (images go through IImageService); present to complete PortLayerServices.</summary>
internal sealed class FakeLayers : IImageLayerStore
{
    public Task<bool> ExistsAsync(string layerId, CancellationToken cancellationToken) => Task.FromResult(false);
    public Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task RemoveLayerAsync(string layerId, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task<IReadOnlyList<LayerInfo>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<LayerInfo>>([]);
}

internal sealed class FakeMetadata : IMetadataStore
{
    private readonly Dictionary<string, byte[]> _values = [];

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => Task.FromResult(_values.GetValueOrDefault(key));

    public Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        _values[key] = value.ToArray();
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _values.Remove(key);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(_values.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList());
}

/// <summary>A fabric whose bridges are only recorded; its sockets are ordinary host sockets (tests use loopback only).</summary>
internal sealed class FakeFabric : INetworkFabric
{
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> Bridges { get; } = new();

    public bool Available => true;

    public Task EnsureBridgeAsync(string networkId, string gatewayCidr, CancellationToken cancellationToken)
    {
        Bridges[networkId] = gatewayCidr;
        return Task.CompletedTask;
    }

    /// <summary>Container networks' uplinks by network ID.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> Uplinks { get; } = new();

    public Task EnsureUplinkedBridgeAsync(string networkId, string uplink, CancellationToken cancellationToken)
    {
        Uplinks[networkId] = uplink;
        return Task.CompletedTask;
    }

    public Task RemoveBridgeAsync(string networkId, CancellationToken cancellationToken)
    {
        Bridges.TryRemove(networkId, out _);
        return Task.CompletedTask;
    }

    /// <summary>The routes the outbound proxy asked for last.</summary>
    public OutboundRoutes? Outbound { get; private set; }

    public Task SetOutboundAsync(OutboundRoutes routes, CancellationToken cancellationToken)
    {
        Outbound = routes;
        return Task.CompletedTask;
    }

    public Task<System.Net.Sockets.Socket> CreateSocketAsync(System.Net.Sockets.AddressFamily family, System.Net.Sockets.SocketType type,
        System.Net.Sockets.ProtocolType protocol, CancellationToken cancellationToken) =>
        Task.FromResult(new System.Net.Sockets.Socket(family, type, protocol));
}
