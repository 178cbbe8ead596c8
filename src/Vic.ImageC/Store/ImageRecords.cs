using System.Globalization;
using System.Text.Json;
using Vic.ImageC.Json;
using Vic.ImageC.References;
using Vic.PortLayer;

namespace Vic.ImageC.Store;

/// <summary>Builds the <see cref="ImageRecord"/> the API sees from what the catalog stores.</summary>
internal static class ImageRecords
{
    public static async Task<ImageRecord?> ReadAsync(ImageCatalog catalog, string imageId, StoredRepositories repositories, CancellationToken cancellationToken)
    {
        var image = await catalog.ReadImageAsync(imageId, cancellationToken);
        byte[]? config = await catalog.ReadConfigAsync(imageId, cancellationToken);
        return image is null || config is null ? null : Build(imageId, config, image, repositories);
    }

    public static ImageRecord Build(string imageId, byte[] configBytes, StoredImage image, StoredRepositories repositories)
    {
        var config = ParseConfig(configBytes);
        var tags = new List<string>();
        var digests = new List<string>();
        foreach (var (_, refs) in repositories.Repositories)
        {
            foreach (var (text, target) in refs)
            {
                if (target != imageId || !ImageReference.TryParse(text, out var reference))
                {
                    continue;
                }
                (reference!.Digest is null ? tags : digests).Add(reference.Familiar);
            }
        }
        tags.Sort(StringComparer.Ordinal);
        digests.Sort(StringComparer.Ordinal);
        var run = config.Config ?? new RunConfigJson();
        return new ImageRecord
        {
            Id = imageId,
            RepoTags = tags,
            RepoDigests = digests,
            Created = ParseCreated(config.Created) ?? image.Stored,
            Size = image.Layers.Sum(l => l.Size),
            Parent = image.Parent ?? "",
            Architecture = config.Architecture ?? "",
            Os = config.Os ?? "",
            Author = config.Author ?? "",
            DockerVersion = config.DockerVersion ?? "",
            Comment = config.Comment ?? "",
            Config = new ImageConfig
            {
                User = run.User ?? "",
                Env = run.Env ?? [],
                Entrypoint = run.Entrypoint,
                Cmd = run.Cmd,
                WorkingDir = run.WorkingDir ?? "",
                Labels = run.Labels ?? new Dictionary<string, string>(),
                ExposedPorts = run.ExposedPorts?.Keys.Order(StringComparer.Ordinal).ToList() ?? [],
                Volumes = run.Volumes?.Keys.Order(StringComparer.Ordinal).ToList() ?? [],
                StopSignal = run.StopSignal ?? "",
                ArgsEscaped = run.ArgsEscaped,
                Shell = run.Shell,
                OnBuild = run.OnBuild,
                Healthcheck = run.Healthcheck is { } health ? new ImageHealthcheck
                {
                    Test = health.Test,
                    Interval = health.Interval,
                    Timeout = health.Timeout,
                    StartPeriod = health.StartPeriod,
                    StartInterval = health.StartInterval,
                    Retries = health.Retries,
                } : null,
            },
            DiffIds = image.Layers.Select(l => l.DiffId).ToList(),
            TopLayerId = image.Layers.Count == 0 ? null : image.Layers[^1].ChainId,
            ConfigJson = configBytes,
        };
    }

    /// <summary>Parses an image config; InvalidArgument when it is not one.</summary>
    public static ImageConfigJson ParseConfig(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, RegistryJson.Default.ImageConfigJson) ?? throw new InvalidArgumentException("image config is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid image config: {e.Message}");
        }
    }

    /// <summary>RFC 3339 with up to nanosecond precision (Go writes 9 fractional digits; .NET keeps 7).</summary>
    internal static DateTimeOffset? ParseCreated(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        int dot = text.IndexOf('.');
        if (dot > 0)
        {
            int end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }
            string fraction = text[(dot + 1)..end];
            text = text[..(dot + 1)] + (fraction.Length > 7 ? fraction[..7] : fraction) + text[end..];
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : null;
    }
}
