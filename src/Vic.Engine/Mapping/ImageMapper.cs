using System.Text.Json;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.ImageC;

namespace Vic.Engine.Mapping;

/// <summary>Image records → Docker's image list, inspect and history shapes.</summary>
internal static class ImageMapper
{
    public static ImageSummary ToSummary(ImageRecord image, ApiVersion version) => new()
    {
        Id = image.Id,
        ParentId = image.Parent,
        RepoTags = [.. image.RepoTags],
        RepoDigests = [.. image.RepoDigests],
        Created = image.Created.ToUnixTimeSeconds(),
        Size = image.Size,
        VirtualSize = version < new ApiVersion(1, 44) ? image.Size : null,
        Labels = image.Config.Labels.Count == 0 ? null : new Dictionary<string, string>(image.Config.Labels),
    };

    /// <summary>
    /// Image inspect. Container and ContainerConfig (the committing container and its config, from the image config's
    /// "container" and "container_config") are still sent at API 1.44, which deprecated them; 1.45 drops them.
    /// </summary>
    public static ImageInspect ToInspect(ImageRecord image, ApiVersion version) => new()
    {
        Id = image.Id,
        RepoTags = [.. image.RepoTags],
        RepoDigests = [.. image.RepoDigests],
        Parent = image.Parent,
        Comment = image.Comment,
        Created = DockerTime.Rfc3339Nano(image.Created),
        Container = ConfigString(image, "container"),
        ContainerConfig = CommittedContainerConfig(image),
        DockerVersion = image.DockerVersion,
        Author = image.Author,
        Config = ToConfig(image.Config),
        Architecture = image.Architecture,
        Os = image.Os,
        Size = image.Size,
        VirtualSize = version < new ApiVersion(1, 44) ? image.Size : null,
        RootFS = new RootFs("layers", [.. image.DiffIds]),
        Metadata = new ImageMetadata(DockerTime.Zero),
    };

    private static string ConfigString(ImageRecord image, string name)
    {
        try
        {
            using var doc = JsonDocument.Parse(image.ConfigJson);
            return doc.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static ContainerConfig CommittedContainerConfig(ImageRecord image)
    {
        try
        {
            using var doc = JsonDocument.Parse(image.ConfigJson);
            if (doc.RootElement.TryGetProperty("container_config", out var value) && value.ValueKind == JsonValueKind.Object)
                return value.Deserialize(EngineJson.Default.ContainerConfig) ?? new ContainerConfig();
        }
        catch (JsonException)
        {
            // A builder's container_config we cannot read: shown empty, as for an image that has none.
        }
        return new ContainerConfig();
    }

    public static ContainerConfig ToConfig(ImageConfig config) => new()
    {
        User = config.User,
        ExposedPorts = config.ExposedPorts.Count == 0 ? null : config.ExposedPorts.ToDictionary(p => p, _ => new EmptyObject()),
        Env = [.. config.Env],
        Cmd = config.Cmd?.ToList(),
        ArgsEscaped = config.ArgsEscaped ?? false,
        Volumes = config.Volumes.Count == 0 ? null : config.Volumes.ToDictionary(v => v, _ => new EmptyObject()),
        WorkingDir = config.WorkingDir,
        Entrypoint = config.Entrypoint?.ToList(),
        OnBuild = config.OnBuild?.ToList(),
        Labels = config.Labels.Count == 0 ? null : new Dictionary<string, string>(config.Labels),
        StopSignal = config.StopSignal.Length == 0 ? null : config.StopSignal,
        Shell = config.Shell?.ToList(),
        Healthcheck = Health.HealthRules.FromImage(config.Healthcheck),
    };

    /// <summary>History from the image config's "history" array, newest first; only the newest entry carries the ID and tags.</summary>
    public static List<ImageHistoryItem> ToHistory(ImageRecord image)
    {
        var items = new List<ImageHistoryItem>();
        try
        {
            using var doc = JsonDocument.Parse(image.ConfigJson);
            if (doc.RootElement.TryGetProperty("history", out var history) && history.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in history.EnumerateArray())
                {
                    items.Add(new ImageHistoryItem
                    {
                        Id = "<missing>",
                        Created = entry.TryGetProperty("created", out var created) && created.TryGetDateTimeOffset(out var t) ? t.ToUnixTimeSeconds() : 0,
                        CreatedBy = entry.TryGetProperty("created_by", out var by) ? by.GetString() ?? "" : "",
                        Comment = entry.TryGetProperty("comment", out var comment) ? comment.GetString() ?? "" : "",
                    });
                }
            }
        }
        catch (JsonException)
        {
            // A config we cannot read still has a (one-line) history.
        }
        if (items.Count == 0)
            items.Add(new ImageHistoryItem { Id = "<missing>", Created = image.Created.ToUnixTimeSeconds() });
        items.Reverse();
        items[0] = items[0] with { Id = image.Id, Tags = image.RepoTags.Count > 0 ? [.. image.RepoTags] : null, Size = image.Size };
        return items;
    }
}
