using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>
/// Docker's container Config, as clients send it on create and as inspect returns it (also the image's
/// Config in image inspect). Fields this server does not model are kept in <see cref="Extra"/> and echoed back.
/// </summary>
public record ContainerConfig
{
    public string Hostname { get; init; } = "";
    public string Domainname { get; init; } = "";
    public string User { get; init; } = "";
    public bool AttachStdin { get; init; }
    public bool AttachStdout { get; init; }
    public bool AttachStderr { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, EmptyObject>? ExposedPorts { get; init; }

    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public bool StdinOnce { get; init; }
    public List<string>? Env { get; init; }

    [JsonConverter(typeof(StrSliceConverter))]
    public List<string>? Cmd { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Healthcheck { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ArgsEscaped { get; init; }

    public string Image { get; init; } = "";
    public Dictionary<string, EmptyObject>? Volumes { get; init; }
    public string WorkingDir { get; init; } = "";

    [JsonConverter(typeof(StrSliceConverter))]
    public List<string>? Entrypoint { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NetworkDisabled { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MacAddress { get; init; }

    public List<string>? OnBuild { get; init; }
    public Dictionary<string, string>? Labels { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StopSignal { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? StopTimeout { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(StrSliceConverter))]
    public List<string>? Shell { get; init; }

    /// <summary>Fields sent by a client that this server does not interpret; kept so inspect echoes them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>A plain Config holding this one's fields (drops what a derived request adds, e.g. HostConfig).</summary>
    public ContainerConfig CopyConfig() => new(this);
}

/// <summary>The body of POST /containers/create: the Config fields at the top level plus HostConfig and NetworkingConfig.</summary>
public sealed record ContainerCreateRequest : ContainerConfig
{
    public HostConfig? HostConfig { get; init; }
    public JsonElement? NetworkingConfig { get; init; }
}
