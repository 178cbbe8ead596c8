using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>One entry of GET /images/json.</summary>
public sealed record ImageSummary
{
    public required string Id { get; init; }
    public string ParentId { get; init; } = "";
    public required List<string> RepoTags { get; init; }
    public required List<string> RepoDigests { get; init; }
    public required long Created { get; init; }
    public required long Size { get; init; }
    public long SharedSize { get; init; } = -1;

    /// <summary>Only for API versions below 1.44, which dropped it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? VirtualSize { get; init; }

    public Dictionary<string, string>? Labels { get; init; }
    public long Containers { get; init; } = -1;
}

/// <summary>GET /images/{name}/json.</summary>
public sealed record ImageInspect
{
    public required string Id { get; init; }
    public required List<string> RepoTags { get; init; }
    public required List<string> RepoDigests { get; init; }
    public string Parent { get; init; } = "";
    public string Comment { get; init; } = "";
    public required string Created { get; init; }
    public string Container { get; init; } = "";
    public required ContainerConfig ContainerConfig { get; init; }
    public string DockerVersion { get; init; } = "";
    public string Author { get; init; } = "";
    public required ContainerConfig Config { get; init; }
    public required string Architecture { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; init; }

    public required string Os { get; init; }
    public required long Size { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? VirtualSize { get; init; }

    public GraphDriverData GraphDriver { get; init; } = new();
    public required RootFs RootFS { get; init; }
    public required ImageMetadata Metadata { get; init; }
}

public sealed record RootFs(string Type, List<string> Layers);

public sealed record ImageMetadata(string LastTagTime);

/// <summary>One entry of GET /images/{name}/history, newest first.</summary>
public sealed record ImageHistoryItem
{
    public required string Id { get; init; }
    public required long Created { get; init; }
    public string CreatedBy { get; init; } = "";
    public List<string>? Tags { get; init; }
    public long Size { get; init; }
    public string Comment { get; init; } = "";
}

/// <summary>One entry of DELETE /images/{name}.</summary>
public sealed record ImageDeleteResponseItem
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Untagged { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Deleted { get; init; }
}

/// <summary>Answer of POST /images/prune; ImagesDeleted is null when nothing was removed, as dockerd sends it.</summary>
public sealed record ImagePruneResponse(List<ImageDeleteResponseItem>? ImagesDeleted, ulong SpaceReclaimed);

/// <summary>Answer of GET /distribution/{name}/json (dockerd's registry.DistributionInspect; OCI's lowercase names inside).</summary>
public sealed record DistributionInspectResponse
{
    public required DistributionDescriptorModel Descriptor { get; init; }
    public required List<DistributionPlatformModel> Platforms { get; init; }
}

public sealed record DistributionDescriptorModel
{
    [JsonPropertyName("mediaType")] public required string MediaType { get; init; }
    [JsonPropertyName("digest")] public required string Digest { get; init; }
    [JsonPropertyName("size")] public long Size { get; init; }
}

public sealed record DistributionPlatformModel
{
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("os")] public required string Os { get; init; }

    [JsonPropertyName("os.version"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OsVersion { get; init; }

    [JsonPropertyName("os.features"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? OsFeatures { get; init; }

    [JsonPropertyName("variant"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; init; }
}
