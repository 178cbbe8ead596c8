using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>
/// One line of GET /events. Docker mixes lowercase legacy keys with PascalCase ones. The legacy status, id and from
/// are filled as dockerd fills them: all three for container events, status and id for image events, none for
/// volume and network events (absent from the JSON, as Go's omitempty leaves them).
/// </summary>
public sealed record EventMessage
{
    [JsonPropertyName("status"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Status { get; init; }
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Id { get; init; }
    [JsonPropertyName("from"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? From { get; init; }
    public string Type { get; init; } = EventTypes.Container;
    public required string Action { get; init; }
    public required EventActor Actor { get; init; }
    [JsonPropertyName("scope")] public string Scope { get; init; } = "local";
    [JsonPropertyName("time")] public required long Time { get; init; }
    [JsonPropertyName("timeNano")] public required long TimeNano { get; init; }
}

public sealed record EventActor(string ID, Dictionary<string, string> Attributes);

/// <summary>The event types a VCH emits (dockerd's also include daemon, plugin and the swarm ones).</summary>
public static class EventTypes
{
    public const string Container = "container";
    public const string Image = "image";
    public const string Volume = "volume";
    public const string Network = "network";
}
