using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.Layers;
using Vic.ImageC.Progress;
using Vic.ImageC.References;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Commit;

/// <summary>
/// docker commit and docker import: the layer tar is kept as an opaque blob (hashed, never unpacked on the host),
/// written through the layer store as a child of the parent's top layer (applied inside a VM like a pulled layer),
/// and the image is committed with a config derived from the parent's.
/// </summary>
internal sealed class ImageCreator(ImageCatalog catalog, BlobStore blobs, LayerImporter importer, ImageCommitter committer, TimeProvider time, ILogger logger)
{
    public async Task<ImageRecord> CreateAsync(NewImage request, Stream layer, CancellationToken cancellationToken)
    {
        var references = request.References.Select(ParseReference).ToList();
        byte[]? parentConfig = null;
        var parentLayers = new List<StoredLayer>();
        if (request.ParentImageId is { } parent)
        {
            parentConfig = await catalog.ReadConfigAsync(parent, cancellationToken);
            parentLayers = (await catalog.ReadImageAsync(parent, cancellationToken))?.Layers ?? [];
        }

        using var work = new TempWorkspace(blobs.TempRoot, logger);
        string blobPath = work.NewFile("blob");
        await using (var file = new FileStream(blobPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            await layer.CopyToAsync(file, 1 << 20, cancellationToken);
        }
        DecompressedLayer tar = request.MayBeCompressed
            ? await LayerDecompressor.DecompressAsync(blobPath, work.NewFile("tar"), cancellationToken)
            : await HashOnlyAsync(blobPath, cancellationToken);

        var diffIds = parentLayers.Select(l => l.DiffId).Append(tar.DiffId).ToList();
        var chain = ChainIds.Compute(diffIds);
        var plans = diffIds.Select((d, i) => new LayerPlan(i, chain[i], i == 0 ? null : chain[i - 1], d, Digest.Short(chain[i]))).ToList();
        byte[] config = BuildConfig(request, parentConfig, diffIds);
        string imageId = Digest.Of(config);

        using var pin = catalog.Pin(chain);
        var kept = new KeptBlob(blobPath, tar.BlobDigest, LayerMediaType.For(tar.Compression), tar.BlobSize);
        var import = await importer.ImportAsync(
            plans,
            (plan, _) => Task.FromResult(new PreparedLayer(tar.TarPath, tar.TarSize, kept)),
            new LoadProgress(new Progress<ProgressMessage>(), time),
            pin,
            cancellationToken);
        await committer.CommitAsync(imageId, config, plans, import, references, cancellationToken, parent: request.ParentImageId);
        Log.ImageStored(logger, imageId, references.Count == 0 ? "(untagged)" : references[0].ToString());
        var repositories = await catalog.ReadRepositoriesAsync(cancellationToken);
        return await ImageRecords.ReadAsync(catalog, imageId, repositories, cancellationToken)
            ?? throw new InternalException($"image {imageId} vanished right after it was created");
    }

    private static ImageReference ParseReference(string text)
    {
        if (!ImageReference.TryParse(text, out var reference) || reference is null)
            throw new InvalidArgumentException($"invalid reference format: {text}");
        if (reference.Digest is not null)
            throw new InvalidArgumentException("refusing to create a tag with a digest reference");
        return reference.WithDefaultTag();
    }

    private static async Task<DecompressedLayer> HashOnlyAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        var (digest, size) = await HashingCopy.CopyAsync(file, Stream.Null, null, cancellationToken);
        return new DecompressedLayer(path, digest, size, digest, size, LayerCompression.None);
    }

    /// <summary>The parent's config (every member it has, kept) with this image's runtime config, times, history and layers.</summary>
    private byte[] BuildConfig(NewImage request, byte[]? parentConfig, IReadOnlyList<string> diffIds)
    {
        JsonObject root = parentConfig is null ? new JsonObject() : JsonNode.Parse(parentConfig) as JsonObject ?? new JsonObject();
        string created = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        root["architecture"] ??= "amd64";
        root["os"] ??= "linux";
        root["created"] = created;
        Set(root, "author", request.Author);
        Set(root, "comment", request.Comment);
        root.Remove("container_config");
        if (request.ContainerConfigJson is { } containerConfig)
            root["container_config"] = JsonNode.Parse(containerConfig);
        Set(root, "container", request.ContainerId ?? "");
        root["config"] = JsonSerializer.SerializeToNode(ToRunConfig(request.Config), RegistryJson.Default.RunConfigJson);
        root["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffIds.Select(d => (JsonNode?)d).ToArray()) };
        var history = root["history"] as JsonArray ?? new JsonArray();
        var entry = new JsonObject { ["created"] = created };
        Set(entry, "author", request.Author);
        Set(entry, "created_by", request.CreatedBy);
        Set(entry, "comment", request.Comment);
        history.Add(entry);
        root["history"] = history;
        return JsonSerializer.SerializeToUtf8Bytes(root, RegistryJson.Default.JsonObject);
    }

    private static void Set(JsonObject target, string name, string value)
    {
        if (value.Length == 0)
            target.Remove(name);
        else
            target[name] = value;
    }

    private static RunConfigJson ToRunConfig(ImageConfig config) => new()
    {
        User = config.User,
        Env = config.Env.ToList(),
        Entrypoint = config.Entrypoint?.ToList(),
        Cmd = config.Cmd?.ToList(),
        WorkingDir = config.WorkingDir,
        Labels = config.Labels.Count == 0 ? null : new Dictionary<string, string>(config.Labels),
        ExposedPorts = config.ExposedPorts.Count == 0 ? null : config.ExposedPorts.ToDictionary(p => p, _ => EmptyObject()),
        Volumes = config.Volumes.Count == 0 ? null : config.Volumes.ToDictionary(v => v, _ => EmptyObject()),
        StopSignal = config.StopSignal.Length == 0 ? null : config.StopSignal,
        ArgsEscaped = config.ArgsEscaped,
        Shell = config.Shell?.ToList(),
        OnBuild = config.OnBuild?.ToList(),
        Healthcheck = config.Healthcheck is { } health ? new HealthcheckJson
        {
            Test = health.Test?.ToList(),
            Interval = health.Interval,
            Timeout = health.Timeout,
            StartPeriod = health.StartPeriod,
            StartInterval = health.StartInterval,
            Retries = health.Retries,
        } : null,
    };

    private static JsonElement EmptyObject() => JsonDocument.Parse("{}").RootElement.Clone();
}
