using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>One line of GET /events. Docker mixes lowercase legacy keys with PascalCase ones.</summary>
public sealed record EventMessage
{
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("from")] public string From { get; init; } = "";
    public string Type { get; init; } = "container";
    public required string Action { get; init; }
    public required EventActor Actor { get; init; }
    [JsonPropertyName("scope")] public string Scope { get; init; } = "local";
    [JsonPropertyName("time")] public required long Time { get; init; }
    [JsonPropertyName("timeNano")] public required long TimeNano { get; init; }
}

public sealed record EventActor(string ID, Dictionary<string, string> Attributes);
