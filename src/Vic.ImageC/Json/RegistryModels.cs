using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vic.ImageC.Json;

// Wire shapes of the OCI image spec and Docker image manifest v2: read leniently (registries add fields),
// and only the members imagec acts on are modelled; the raw bytes are kept where they are stored.

/// <summary>A content descriptor: what a manifest or index points at.</summary>
internal sealed record Descriptor
{
    [JsonPropertyName("mediaType")] public string MediaType { get; init; } = "";
    [JsonPropertyName("digest")] public string Digest { get; init; } = "";
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("platform")] public PlatformJson? Platform { get; init; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}

internal sealed record PlatformJson
{
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "";
    [JsonPropertyName("os")] public string Os { get; init; } = "";
    [JsonPropertyName("variant")] public string? Variant { get; init; }
    [JsonPropertyName("os.version")] public string? OsVersion { get; init; }
    [JsonPropertyName("os.features")] public List<string>? OsFeatures { get; init; }
}

/// <summary>An image manifest or an index / manifest list (one shape: which members are set tells which).</summary>
internal sealed record ManifestJson
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; }
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("config")] public Descriptor? Config { get; init; }
    [JsonPropertyName("layers")] public List<Descriptor>? Layers { get; init; }
    [JsonPropertyName("manifests")] public List<Descriptor>? Manifests { get; init; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}

/// <summary>The image configuration blob (its sha256 is the image ID).</summary>
internal sealed record ImageConfigJson
{
    [JsonPropertyName("architecture")] public string? Architecture { get; init; }
    [JsonPropertyName("os")] public string? Os { get; init; }
    [JsonPropertyName("variant")] public string? Variant { get; init; }
    [JsonPropertyName("created")] public string? Created { get; init; }
    [JsonPropertyName("author")] public string? Author { get; init; }
    [JsonPropertyName("docker_version")] public string? DockerVersion { get; init; }
    [JsonPropertyName("comment")] public string? Comment { get; init; }
    [JsonPropertyName("config")] public RunConfigJson? Config { get; init; }
    [JsonPropertyName("rootfs")] public RootFsJson? RootFs { get; init; }
}

internal sealed record RootFsJson
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("diff_ids")] public List<string>? DiffIds { get; init; }
}

/// <summary>The "config" object: a container's defaults. Docker writes these members in PascalCase.</summary>
internal sealed record RunConfigJson
{
    public string? User { get; init; }
    public List<string>? Env { get; init; }
    public List<string>? Entrypoint { get; init; }
    public List<string>? Cmd { get; init; }
    public string? WorkingDir { get; init; }
    public Dictionary<string, string>? Labels { get; init; }
    public Dictionary<string, JsonElement>? ExposedPorts { get; init; }
    public Dictionary<string, JsonElement>? Volumes { get; init; }
    public string? StopSignal { get; init; }
    public bool? ArgsEscaped { get; init; }
    public List<string>? Shell { get; init; }
    public List<string>? OnBuild { get; init; }
    public HealthcheckJson? Healthcheck { get; init; }
}

/// <summary>config.Healthcheck: durations in nanoseconds (Go's time.Duration), each left out when zero.</summary>
internal sealed record HealthcheckJson
{
    public List<string>? Test { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Interval { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Timeout { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long StartPeriod { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long StartInterval { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Retries { get; init; }
}

/// <summary>The registry's error body: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}.</summary>
internal sealed record RegistryErrorsJson
{
    [JsonPropertyName("errors")] public List<RegistryErrorJson>? Errors { get; init; }
}

internal sealed record RegistryErrorJson
{
    [JsonPropertyName("code")] public string? Code { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

/// <summary>A page of GET /v2/&lt;name&gt;/tags/list: {"name":"x","tags":["a","b"]}.</summary>
internal sealed record TagListJson
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("tags")] public List<string>? Tags { get; init; }
}

/// <summary>One entry of a docker-save manifest.json.</summary>
internal sealed record DockerArchiveEntry
{
    public string Config { get; init; } = "";
    public List<string>? RepoTags { get; init; }
    public List<string> Layers { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ManifestJson))]
[JsonSerializable(typeof(ImageConfigJson))]
[JsonSerializable(typeof(RunConfigJson))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
[JsonSerializable(typeof(RegistryErrorsJson))]
[JsonSerializable(typeof(TagListJson))]
[JsonSerializable(typeof(List<DockerArchiveEntry>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
internal sealed partial class RegistryJson : JsonSerializerContext;

/// <summary>A token server's answer (Docker token spec and its OAuth2 form).</summary>
internal sealed record TokenResponseJson
{
    [JsonPropertyName("token")] public string? Token { get; init; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("expires_in")] public int? ExpiresIn { get; init; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; init; }
}

/// <summary>What token servers put in an error body besides the registry error shape (Docker Hub uses "details").</summary>
internal sealed record TokenErrorJson
{
    [JsonPropertyName("details")] public string? Details { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("error_description")] public string? ErrorDescription { get; init; }
    [JsonPropertyName("errors")] public List<RegistryErrorJson>? Errors { get; init; }
}

[JsonSerializable(typeof(TokenResponseJson))]
[JsonSerializable(typeof(TokenErrorJson))]
internal sealed partial class TokenJson : JsonSerializerContext;
