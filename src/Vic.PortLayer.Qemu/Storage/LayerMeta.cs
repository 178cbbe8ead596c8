namespace Vic.PortLayer.Qemu.Storage;

/// <summary>meta.json beside a layer's disk: who its parent is (null: the empty base) and when it was made.</summary>
internal sealed record LayerMeta(string LayerId, string? ParentLayerId, DateTimeOffset Created);
