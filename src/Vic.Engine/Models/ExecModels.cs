using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>Body of POST /containers/{id}/exec.</summary>
public sealed record ExecCreateRequest
{
    public bool AttachStdin { get; init; }
    public bool AttachStdout { get; init; }
    public bool AttachStderr { get; init; }
    public string? DetachKeys { get; init; }
    public bool Tty { get; init; }
    public List<string>? Env { get; init; }
    [JsonConverter(typeof(StrSliceConverter))] public List<string>? Cmd { get; init; }
    public bool Privileged { get; init; }
    public string? User { get; init; }
    public string? WorkingDir { get; init; }
    /// <summary>[height, width] of the terminal (API 1.42+).</summary>
    public List<ushort>? ConsoleSize { get; init; }
}

/// <summary>dockerd's IDResponse.</summary>
public sealed record IdResponse(string Id);

/// <summary>Body of POST /exec/{id}/start.</summary>
public sealed record ExecStartRequest
{
    public bool Detach { get; init; }
    public bool Tty { get; init; }
    public List<ushort>? ConsoleSize { get; init; }
}

/// <summary>GET /exec/{id}/json.</summary>
public sealed record ExecInspect
{
    public required string ID { get; init; }
    public bool Running { get; init; }
    /// <summary>Null until the process has ended.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public int? ExitCode { get; init; }
    public required ExecProcessConfig ProcessConfig { get; init; }
    public bool OpenStdin { get; init; }
    public bool OpenStderr { get; init; }
    public bool OpenStdout { get; init; }
    public bool CanRemove { get; init; }
    public required string ContainerID { get; init; }
    public string DetachKeys { get; init; } = "";
    public int Pid { get; init; }
}

public sealed record ExecProcessConfig
{
    [JsonPropertyName("tty")] public bool Tty { get; init; }
    [JsonPropertyName("entrypoint")] public required string Entrypoint { get; init; }
    [JsonPropertyName("arguments")] public required List<string> Arguments { get; init; }
    [JsonPropertyName("privileged")] public bool Privileged { get; init; }
    [JsonPropertyName("user")] public string User { get; init; } = "";
}

/// <summary>GET /containers/{id}/top.</summary>
public sealed record ContainerTopResponse(List<string> Titles, List<List<string>> Processes);
