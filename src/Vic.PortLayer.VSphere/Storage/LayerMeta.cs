namespace Vic.PortLayer.VSphere.Storage;

/// <summary>layer.json beside a layer's disk; written last, so its presence means the layer is complete.</summary>
internal sealed record LayerMeta(string LayerId, string? ParentLayerId, DateTimeOffset Created);
