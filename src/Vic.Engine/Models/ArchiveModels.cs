using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>The X-Docker-Container-Path-Stat header's JSON (base64 encoded); mode is Go's os.FileMode.</summary>
internal sealed record ContainerPathStatJson(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("mode")] uint Mode,
    [property: JsonPropertyName("mtime")] string Mtime,
    [property: JsonPropertyName("linkTarget")] string LinkTarget);

/// <summary>One entry of GET /containers/{id}/changes.</summary>
internal sealed record ContainerChangeJson(string Path, int Kind);

/// <summary>POST /commit's answer.</summary>
internal sealed record CommitResponse(string Id);

[JsonSerializable(typeof(ContainerPathStatJson))]
[JsonSerializable(typeof(List<ContainerChangeJson>))]
[JsonSerializable(typeof(CommitResponse))]
internal sealed partial class ArchiveJson : JsonSerializerContext;
