using System.Collections.Concurrent;
using Vic.PortLayer;

namespace Vic.ImageC.Tests.Fakes;

/// <summary>
/// IImageLayerStore in memory that records the tar each layer received (no VMs). It enforces the contract's
/// shape: a parent must exist, a layer with children or dependent containers cannot be removed.
/// </summary>
internal sealed class RecordingLayerStore : IImageLayerStore
{
    private readonly ConcurrentDictionary<string, (string? Parent, byte[] Tar)> _layers = new(StringComparer.Ordinal);
    private int _writes;

    /// <summary>Layers a container disk depends on: RemoveLayerAsync refuses them.</summary>
    public ConcurrentDictionary<string, bool> ContainerDependents { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, writing this layer fails (after reading the tar) with an InternalException.</summary>
    public string? FailWriteOf { get; set; }

    /// <summary>Called with the layer ID before each write reads its tar (e.g. to cancel the operation there).</summary>
    public Action<string>? BeforeWrite { get; set; }

    public int Writes => _writes;

    public IReadOnlyCollection<string> LayerIds => _layers.Keys.ToList();

    public byte[] TarOf(string layerId) => _layers[layerId].Tar;

    public string? ParentOf(string layerId) => _layers[layerId].Parent;

    public Task<bool> ExistsAsync(string layerId, CancellationToken cancellationToken) => Task.FromResult(_layers.ContainsKey(layerId));

    public async Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken)
    {
        if (parentLayerId is not null && !_layers.ContainsKey(parentLayerId))
        {
            throw new NotFoundException($"layer {parentLayerId} not found");
        }
        BeforeWrite?.Invoke(layerId);
        using var copy = new MemoryStream();
        await tar.CopyToAsync(copy, cancellationToken);
        if (tar.CanSeek && tar.Length != copy.Length)
        {
            throw new InvalidOperationException("stream length does not match its content");
        }
        if (FailWriteOf == layerId)
        {
            throw new InternalException($"applying layer {layerId} failed");
        }
        Interlocked.Increment(ref _writes);
        _layers.TryAdd(layerId, (parentLayerId, copy.ToArray()));
    }

    public Task RemoveLayerAsync(string layerId, CancellationToken cancellationToken)
    {
        if (!_layers.ContainsKey(layerId))
        {
            throw new NotFoundException($"layer {layerId} not found");
        }
        if (ContainerDependents.ContainsKey(layerId) || _layers.Values.Any(l => l.Parent == layerId))
        {
            throw new ConflictException($"layer {layerId} is in use");
        }
        _layers.TryRemove(layerId, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LayerInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LayerInfo>>(_layers.Select(l => new LayerInfo(l.Key, l.Value.Parent, l.Value.Tar.Length)).ToList());
}
