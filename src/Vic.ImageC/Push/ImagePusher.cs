using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.Progress;
using Vic.ImageC.References;
using Vic.ImageC.Registry;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Push;

/// <summary>
/// docker push: for each tag, send the layer blobs the registry lacks (HEAD first, then a cross-repository mount
/// from a repository of the same registry known to hold the blob, else an upload), then the config, then the
/// manifest. An image pulled and left unchanged is pushed with the manifest it was pulled with, byte for byte, so it
/// keeps its digest; other images get a Docker schema 2 manifest (OCI when a layer is zstd) over their kept blobs.
/// </summary>
internal sealed class ImagePusher(RegistryClient registry, ImageCatalog catalog, BlobStore blobs, ImageServiceOptions options, TimeProvider time, ILogger logger)
{
    private const int MaxMountAttempts = 3;

    public async Task<IReadOnlyList<PushedImage>> PushAsync(
        string name, string? tag, RegistryCredentials credentials, IProgress<ProgressMessage> sink, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(string.IsNullOrEmpty(tag) ? name : $"{name}:{tag}");
        if (reference.Digest is not null)
        {
            throw new InvalidArgumentException("cannot push a digest reference");
        }
        var repositories = await catalog.ReadRepositoriesAsync(cancellationToken);
        var targets = Targets(reference, repositories);
        if (targets.Count == 0)
        {
            throw new NotFoundException($"An image does not exist locally with the tag: {reference.FamiliarName}");
        }
        registry.Access.Check(reference.Domain);
        var progress = new ThrottledReporter(sink, time);
        progress.Report(null, $"The push refers to repository [{reference.Name}]");
        var pushed = new List<PushedImage>();
        foreach (var (target, imageId) in targets)
        {
            try
            {
                pushed.Add(await PushTagAsync(target, imageId, credentials, progress, cancellationToken));
            }
            catch (RegistryHttpException e)
            {
                throw PushErrors.From(e);
            }
        }
        return pushed;
    }

    /// <summary>The tag asked for, or every local tag of the repository (docker push --all-tags).</summary>
    private static List<(ImageReference Reference, string ImageId)> Targets(ImageReference reference, StoredRepositories repositories)
    {
        if (!repositories.Repositories.TryGetValue(reference.Name, out var refs))
        {
            return [];
        }
        var result = new List<(ImageReference, string)>();
        foreach (var (text, imageId) in refs.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (ImageReference.TryParse(text, out var local) && local!.Tag is not null && local.Digest is null && (reference.Tag is null || local.Tag == reference.Tag))
            {
                result.Add((local, imageId));
            }
        }
        return result;
    }

    private async Task<PushedImage> PushTagAsync(
        ImageReference reference, string imageId, RegistryCredentials credentials, ThrottledReporter progress, CancellationToken cancellationToken)
    {
        var image = await catalog.ReadImageAsync(imageId, cancellationToken) ?? throw new NotFoundException($"No such image: {reference.Familiar}");
        byte[] config = await catalog.ReadConfigAsync(imageId, cancellationToken) ?? throw new NotFoundException($"No such image: {reference.Familiar}");
        var layers = new List<(string ShortId, StoredBlob Blob)>();
        foreach (var layer in image.Layers)
        {
            var blob = await catalog.ReadBlobAsync(layer.DiffId, cancellationToken);
            if (blob is null || !blobs.Exists(blob.Digest))
            {
                throw new FailedPreconditionException($"layer {layer.DiffId} of {reference.Familiar} has no stored content to push");
            }
            layers.Add((Digest.Short(layer.DiffId), blob));
        }
        var (manifest, mediaType) = await ManifestAsync(imageId, config, layers.Select(l => l.Blob).ToList(), cancellationToken);

        var mountSources = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (string digest in layers.Select(l => l.Blob.Digest).Append(imageId).Distinct())
        {
            mountSources[digest] = (await catalog.ReadSourcesAsync(digest, cancellationToken))
                .Where(r => r.StartsWith(reference.Domain + "/", StringComparison.Ordinal) && r != reference.Name)
                .Select(r => r[(reference.Domain.Length + 1)..])
                .Take(MaxMountAttempts)
                .ToList();
        }
        var session = await registry.OpenAsync(
            reference.Domain, reference.Path, credentials, push: true, mountSources.Values.SelectMany(s => s).Distinct().ToList(), cancellationToken);

        // Top layer first, as dockerd lists them.
        var ordered = layers.AsEnumerable().Reverse().DistinctBy(l => l.Blob.Digest).ToList();
        foreach (var layer in ordered)
        {
            progress.Report(layer.ShortId, "Preparing");
        }
        await Parallel.ForEachAsync(ordered, new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrentUploads, CancellationToken = cancellationToken },
            async (layer, token) =>
            {
                string outcome = await PushBlobAsync(session, layer.Blob.Digest, layer.Blob.Size, mountSources[layer.Blob.Digest],
                    (current, total) => progress.Counter(layer.ShortId, "Pushing", current, total), token);
                progress.Report(layer.ShortId, outcome);
            });
        await PushConfigAsync(session, imageId, config, mountSources[imageId], cancellationToken);

        string pushedDigest = await registry.PutManifestAsync(session, reference.Tag!, manifest, mediaType, cancellationToken);
        await RecordAsync(reference, imageId, pushedDigest, layers.Select(l => l.Blob.Digest).Append(imageId), cancellationToken);
        Log.ImagePushed(logger, reference.ToString(), pushedDigest);
        var result = new PushedImage(reference.Tag!, pushedDigest, manifest.Length);
        progress.Report(null, $"{result.Tag}: digest: {result.Digest} size: {result.Size}");
        progress.Emit(new ProgressMessage { Status = "", Pushed = result });
        return result;
    }

    /// <summary>"Layer already exists", "Mounted from x" or "Pushed": what dockerd reports for a layer.</summary>
    private async Task<string> PushBlobAsync(
        RegistrySession session, string digest, long size, IReadOnlyList<string> mountFrom, Action<long, long> onProgress, CancellationToken cancellationToken)
    {
        if (await registry.BlobExistsAsync(session, digest, cancellationToken))
        {
            return "Layer already exists";
        }
        foreach (string from in mountFrom)
        {
            if (await registry.TryMountAsync(session, digest, from, cancellationToken))
            {
                return $"Mounted from {from}";
            }
        }
        long total = size > 0 ? size : new FileInfo(blobs.PathOf(digest)).Length;
        await registry.UploadBlobAsync(session, blobs.PathOf(digest), digest, total, options.UploadChunkSize, sent => onProgress(sent, total), cancellationToken);
        return "Pushed";
    }

    /// <summary>The config is kept in metadata, not as a blob file: stage it in a temp file for the upload.</summary>
    private async Task PushConfigAsync(RegistrySession session, string digest, byte[] config, IReadOnlyList<string> mountFrom, CancellationToken cancellationToken)
    {
        if (await registry.BlobExistsAsync(session, digest, cancellationToken))
        {
            return;
        }
        foreach (string from in mountFrom)
        {
            if (await registry.TryMountAsync(session, digest, from, cancellationToken))
            {
                return;
            }
        }
        using var work = new TempWorkspace(blobs.TempRoot, logger);
        string path = work.NewFile("config");
        await File.WriteAllBytesAsync(path, config, cancellationToken);
        await registry.UploadBlobAsync(session, path, digest, config.Length, options.UploadChunkSize, null, cancellationToken);
    }

    /// <summary>The manifest the image was pulled with when it still describes the blobs we hold, else a new one.</summary>
    private async Task<(byte[] Bytes, string MediaType)> ManifestAsync(string imageId, byte[] config, IReadOnlyList<StoredBlob> layers, CancellationToken cancellationToken)
    {
        if (await catalog.ReadManifestAsync(imageId, cancellationToken) is { } stored && Describes(stored.Bytes, imageId, layers))
        {
            return (stored.Bytes, stored.MediaType);
        }
        bool oci = layers.Any(l => l.MediaType.Contains("zstd", StringComparison.Ordinal));
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest,
            ["config"] = Descriptor(oci ? MediaTypes.OciConfig : MediaTypes.DockerConfig, imageId, config.Length),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)Descriptor(LayerType(l.MediaType, oci), l.Digest, l.Size)).ToArray()),
        };
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, new JsonSerializerOptions { WriteIndented = true });
        return (bytes, oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest);
    }

    private static bool Describes(byte[] manifestBytes, string configDigest, IReadOnlyList<StoredBlob> layers)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(manifestBytes, RegistryJson.Default.ManifestJson);
            return manifest?.Config?.Digest == configDigest
                && manifest.Layers is { } described
                && described.Select(l => l.Digest).SequenceEqual(layers.Select(l => l.Digest), StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string LayerType(string kept, bool oci) => kept switch
    {
        MediaTypes.OciLayerGzip or MediaTypes.DockerLayerGzip => oci ? MediaTypes.OciLayerGzip : MediaTypes.DockerLayerGzip,
        MediaTypes.OciLayerTar or MediaTypes.DockerLayerTar => oci ? MediaTypes.OciLayerTar : MediaTypes.DockerLayerTar,
        _ => kept,
    };

    private static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["size"] = size, ["digest"] = digest };

    /// <summary>As dockerd does after a push: the repository now holds these blobs (mount sources) and the image has a digest reference there.</summary>
    private async Task RecordAsync(ImageReference reference, string imageId, string manifestDigest, IEnumerable<string> blobDigests, CancellationToken cancellationToken)
    {
        using var locked = await catalog.LockAsync(cancellationToken);
        foreach (string digest in blobDigests.Distinct())
        {
            await catalog.AddSourceAsync(digest, reference.Name, CancellationToken.None);
        }
        var repositories = await catalog.ReadRepositoriesAsync(CancellationToken.None);
        if (await catalog.ReadImageAsync(imageId, CancellationToken.None) is null)
        {
            return; // removed meanwhile: record nothing for it
        }
        if (!repositories.Repositories.TryGetValue(reference.Name, out var refs))
        {
            repositories.Repositories[reference.Name] = refs = new Dictionary<string, string>(StringComparer.Ordinal);
        }
        refs[reference.DigestOnly(manifestDigest).ToString()] = imageId;
        await catalog.WriteRepositoriesAsync(repositories, CancellationToken.None);
    }
}
