namespace Vic.PortLayer.Qemu.Storage;

/// <summary>volume.json beside a volume's disk: what docker volume inspect shows, kept with the data.</summary>
internal sealed record VolumeMeta
{
    public required string Name { get; init; }
    public required long CapacityBytes { get; init; }
    public required DateTimeOffset Created { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public Dictionary<string, string> Options { get; init; } = [];
}
