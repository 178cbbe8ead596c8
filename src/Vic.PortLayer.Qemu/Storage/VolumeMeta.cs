namespace Vic.PortLayer.Qemu.Storage;

/// <summary>volume.json beside a volume's disk: what docker volume inspect shows, kept with the data.</summary>
internal sealed record VolumeMeta
{
    public required string Name { get; init; }
    public required long CapacityBytes { get; init; }
    public required DateTimeOffset Created { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public Dictionary<string, string> Options { get; init; } = [];

    /// <summary>
    /// Whether a VM has had the disk: until then a read-only first mount still gets the disk read-write, so the image's
    /// content can be copied in before the mount is made read-only (dockerd seeds a volume before mounting it).
    /// </summary>
    public bool Attached { get; init; }
}
