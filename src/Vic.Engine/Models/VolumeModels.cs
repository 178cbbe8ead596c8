namespace Vic.Engine.Models;

/// <summary>One volume as docker volume inspect / ls show it.</summary>
public sealed record Volume
{
    public required string Name { get; init; }
    public string Driver { get; init; } = "local";
    public required string Mountpoint { get; init; }
    public required string CreatedAt { get; init; }
    public Dictionary<string, string>? Status { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public string Scope { get; init; } = "local";
    public Dictionary<string, string> Options { get; init; } = [];
    public VolumeUsage? UsageData { get; init; }
}

public sealed record VolumeUsage(long Size, long RefCount);

public sealed record VolumeListResponse(List<Volume> Volumes, List<string> Warnings);

/// <summary>POST /volumes/create. Settable: source-generated reading of omitted members must keep the defaults.</summary>
public sealed record VolumeCreateRequest
{
    public string? Name { get; set; }
    public string? Driver { get; set; }
    public Dictionary<string, string>? DriverOpts { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed record VolumePruneResponse(List<string> VolumesDeleted, long SpaceReclaimed);

/// <summary>One entry of HostConfig.Mounts (docker run --mount).</summary>
public sealed record MountRequest
{
    public string? Type { get; set; }
    public string? Source { get; set; }
    public string? Target { get; set; }
    public bool ReadOnly { get; set; }
    public MountVolumeOptions? VolumeOptions { get; set; }
    public MountBindOptions? BindOptions { get; set; }
    public MountTmpfsOptions? TmpfsOptions { get; set; }
}

public sealed record MountVolumeOptions
{
    public bool NoCopy { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public MountDriverConfig? DriverConfig { get; set; }
}

public sealed record MountDriverConfig
{
    public string? Name { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}

public sealed record MountBindOptions
{
    public string? Propagation { get; set; }
    public bool CreateMountpoint { get; set; }
}

public sealed record MountTmpfsOptions
{
    public long SizeBytes { get; set; }
    public int Mode { get; set; }
}

/// <summary>GET /system/df (docker system df): what images, containers and volumes take.</summary>
public sealed record DiskUsage
{
    public long LayersSize { get; init; }
    public List<ImageSummary> Images { get; init; } = [];
    public List<ContainerSummary> Containers { get; init; } = [];
    public List<Volume> Volumes { get; init; } = [];
    public List<EmptyObject> BuildCache { get; init; } = [];
}
