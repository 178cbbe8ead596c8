using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.Layers;
using Vic.ImageC.Progress;
using Vic.ImageC.References;
using Vic.ImageC.Registry;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Pull;

/// <summary>
/// docker pull: resolve the manifest (through a list or index to the asked platform), fetch and verify the
/// config, import the missing layers, then record the image and its tag and digest references.
/// </summary>
internal sealed class ImagePuller(
    RegistryClient registry, ImageCatalog catalog, BlobStore blobs, LayerImporter importer, ImageCommitter committer, TimeProvider time, ILogger logger)
{
    public async Task<ImageRecord> PullAsync(
        string referenceText, string? platformText, RegistryCredentials credentials, IProgress<ProgressMessage> sink, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(referenceText).WithDefaultTag();
        var platform = PlatformSpec.Parse(platformText);
        registry.Access.Check(reference.Domain);
        var progress = new PullProgress(sink, time);
        var (record, newer) = await PullOneAsync(reference, platform, platformText, credentials, progress, cancellationToken);
        progress.Status(null, FinalStatus(newer, reference.Familiar));
        return record;
    }

    /// <summary>
    /// docker pull --all-tags (the API's pull without a tag): every tag the registry lists for the repository, pulled
    /// one after another with the usual per-tag progress, then one final status for the repository, as dockerd does.
    /// A reference that names a tag or digest pulls just that (the API cannot say "all tags" of a tag).
    /// </summary>
    public async Task<IReadOnlyList<ImageRecord>> PullAllTagsAsync(
        string repositoryText, string? platformText, RegistryCredentials credentials, IProgress<ProgressMessage> sink, CancellationToken cancellationToken)
    {
        var repository = ImageReference.Parse(repositoryText);
        if (!repository.IsNameOnly)
        {
            return [await PullAsync(repositoryText, platformText, credentials, sink, cancellationToken)];
        }
        var platform = PlatformSpec.Parse(platformText);
        registry.Access.Check(repository.Domain);
        var progress = new PullProgress(sink, time);
        var tags = await ListTagsAsync(repository, credentials, cancellationToken);
        var pulled = new List<ImageRecord>();
        bool newer = false;
        foreach (string tag in tags)
        {
            var tagged = ImageReference.Parse($"{repository.Name}:{tag}");
            var (record, tagNewer) = await PullOneAsync(tagged, platform, platformText, credentials, progress, cancellationToken);
            pulled.Add(record);
            newer |= tagNewer;
        }
        progress.Status(null, FinalStatus(newer, repository.FamiliarName));
        return pulled;
    }

    private static string FinalStatus(bool newer, string what) =>
        newer ? $"Status: Downloaded newer image for {what}" : $"Status: Image is up to date for {what}";

    /// <summary>The repository's tags, from the first of the Docker Hub mirrors (if any) that lists them, else from the registry.</summary>
    private async Task<IReadOnlyList<string>> ListTagsAsync(ImageReference repository, RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        foreach (var mirror in registry.Access.MirrorsFor(repository.Domain))
        {
            try
            {
                return await registry.ListTagsAsync(RegistryClient.Session(mirror, repository.Domain, repository.Path, credentials), cancellationToken);
            }
            catch (Exception e) when (e is PortLayerException or RegistryHttpException && !cancellationToken.IsCancellationRequested)
            {
                Log.MirrorFailed(logger, mirror.ToString(), repository.FamiliarName, e.Message);
            }
        }
        var session = await registry.OpenAsync(repository.Domain, repository.Path, credentials, push: false, null, cancellationToken);
        try
        {
            return await registry.ListTagsAsync(session, cancellationToken);
        }
        catch (RegistryHttpException e)
        {
            throw PullErrors.ForTags(e, repository);
        }
    }

    /// <summary>Pulls one tag or digest; returns the image and whether anything changed (new layers or a new tag).</summary>
    private async Task<(ImageRecord Record, bool Newer)> PullOneAsync(
        ImageReference reference, PlatformSpec platform, string? platformText, RegistryCredentials credentials, PullProgress progress,
        CancellationToken cancellationToken)
    {
        progress.Status(reference.Digest ?? reference.Tag, $"Pulling from {reference.Path}");

        var (session, manifestDigest, manifest, chosen) = await OpenAndFetchManifestAsync(reference, platform, credentials, cancellationToken);
        byte[] configBytes = await FetchConfigAsync(session, reference, manifest.Config!, cancellationToken);
        var config = ImageRecords.ParseConfig(configBytes);
        var layers = manifest.Layers!;
        var diffIds = config.RootFs?.DiffIds ?? [];
        if (diffIds.Count != layers.Count)
        {
            throw new InvalidArgumentException("layers from manifest don't match image configuration");
        }
        foreach (string diffId in diffIds)
        {
            Digest.RequireSha256(diffId, "image configuration diff ID");
        }
        if (!string.IsNullOrWhiteSpace(platformText) && !platform.Matches(config.Os, config.Architecture, config.Variant))
        {
            throw new NotFoundException(
                $"image with reference {reference.Familiar} was found but does not match the specified platform: wanted {platform}, actual: {config.Os}/{config.Architecture}");
        }

        string imageId = Digest.Of(configBytes);
        var chain = ChainIds.Compute(diffIds);
        var plans = layers.Select((d, i) => new LayerPlan(i, chain[i], i == 0 ? null : chain[i - 1], diffIds[i], Digest.Short(d.Digest))).ToList();
        using var pin = catalog.Pin(chain);
        using var work = new TempWorkspace(blobs.TempRoot, logger);
        var import = await importer.ImportAsync(
            plans, (plan, token) => DownloadLayerAsync(session, reference, layers[plan.Index], plan, work, progress, token), progress, pin, cancellationToken);

        var primary = reference.Digest is null ? reference.TagOnly() : reference.DigestOnly(reference.Digest);
        var references = new List<ImageReference> { primary };
        if (reference.Digest is null)
        {
            references.Add(reference.DigestOnly(manifestDigest));
        }
        string mediaType = manifest.MediaType ?? chosen.ContentType ?? MediaTypes.OciManifest;
        // Blobs pulled through a mirror are not known to be in the registry itself: no mount source then.
        var source = !registry.Access.MirrorsFor(reference.Domain).Contains(session.Endpoint)
            ? (reference.Name, (IReadOnlyList<string>)[manifest.Config!.Digest, .. layers.Select(l => l.Digest)])
            : ((string, IReadOnlyList<string>)?)null;
        var previous = await committer.CommitAsync(
            imageId, configBytes, plans, import, references, cancellationToken, new StoredManifest(mediaType, chosen.Bytes), source);
        Log.ImageStored(logger, imageId, primary.ToString());

        progress.Status(null, $"Digest: {manifestDigest}");
        var repositories = await catalog.ReadRepositoriesAsync(cancellationToken);
        var record = await ImageRecords.ReadAsync(catalog, imageId, repositories, cancellationToken)
            ?? throw new NotFoundException($"No such image: {primary.Familiar}");
        return (record, previous[0].Previous != imageId);
    }

    /// <summary>
    /// Docker Hub pulls try the VCH's mirrors first, in order, as dockerd does; a mirror that fails or lacks the image
    /// falls through to the next and finally to the registry itself.
    /// </summary>
    private async Task<(RegistrySession Session, string Digest, ManifestJson Manifest, FetchedManifest Chosen)> OpenAndFetchManifestAsync(
        ImageReference reference, PlatformSpec platform, RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        foreach (var mirror in registry.Access.MirrorsFor(reference.Domain))
        {
            var mirrored = RegistryClient.Session(mirror, reference.Domain, reference.Path, credentials);
            try
            {
                var (digest, manifest, chosen) = await FetchManifestAsync(mirrored, reference, platform, cancellationToken);
                return (mirrored, digest, manifest, chosen);
            }
            catch (PortLayerException e) when (!cancellationToken.IsCancellationRequested)
            {
                Log.MirrorFailed(logger, mirror.ToString(), reference.Familiar, e.Message);
            }
        }
        var session = await registry.OpenAsync(reference.Domain, reference.Path, credentials, push: false, null, cancellationToken);
        var (topDigest, found, fetched) = await FetchManifestAsync(session, reference, platform, cancellationToken);
        return (session, topDigest, found, fetched);
    }

    private async Task<(string Digest, ManifestJson Manifest, FetchedManifest Chosen)> FetchManifestAsync(
        RegistrySession session, ImageReference reference, PlatformSpec platform, CancellationToken cancellationToken)
    {
        var top = await GetManifestAsync(session, reference, reference.Digest ?? reference.Tag!, reference.Digest, cancellationToken);
        var fetched = top;
        string topDigest = Digest.Of(top.Bytes);
        var manifest = ParseManifest(top, reference);
        if (IsIndex(manifest, top))
        {
            var entry = manifest.Manifests?.FirstOrDefault(m => platform.Matches(m.Platform))
                ?? throw new NotFoundException($"no matching manifest for {platform} in the manifest list entries");
            string digest = Digest.RequireSha256(entry.Digest, "manifest list entry");
            var chosen = await GetManifestAsync(session, reference, digest, digest, cancellationToken);
            fetched = chosen;
            manifest = ParseManifest(chosen, reference);
            if (IsIndex(manifest, chosen))
            {
                throw new InvalidArgumentException($"{reference.Familiar}: a manifest list inside a manifest list is not supported");
            }
        }
        if (manifest.Config is null || manifest.Layers is null)
        {
            throw new InvalidArgumentException($"{reference.Familiar}: manifest has no config or no layers");
        }
        Digest.RequireSha256(manifest.Config.Digest, "image config");
        foreach (var layer in manifest.Layers)
        {
            Digest.RequireSha256(layer.Digest, "layer");
        }
        return (topDigest, manifest, fetched);
    }

    private async Task<FetchedManifest> GetManifestAsync(
        RegistrySession session, ImageReference reference, string target, string? expectedDigest, CancellationToken cancellationToken)
    {
        FetchedManifest fetched;
        try
        {
            fetched = await registry.GetManifestAsync(session, target, cancellationToken);
        }
        catch (RegistryHttpException e)
        {
            throw PullErrors.ForManifest(e, reference);
        }
        if (expectedDigest is not null && Digest.Of(fetched.Bytes) != expectedDigest)
        {
            throw new InternalException($"manifest verification failed for digest {expectedDigest}");
        }
        return fetched;
    }

    private async Task<byte[]> FetchConfigAsync(RegistrySession session, ImageReference reference, Descriptor config, CancellationToken cancellationToken)
    {
        try
        {
            return await registry.GetBlobBytesAsync(session, config, "image config", cancellationToken);
        }
        catch (RegistryHttpException e)
        {
            throw PullErrors.ForBlob(e, reference, config.Digest);
        }
    }

    private async Task<PreparedLayer> DownloadLayerAsync(
        RegistrySession session, ImageReference reference, Descriptor blob, LayerPlan plan, TempWorkspace work, PullProgress progress, CancellationToken cancellationToken)
    {
        string blobPath = work.NewFile("blob");
        try
        {
            await registry.DownloadBlobAsync(
                session, blob, blobPath, received => progress.Downloading(plan, received, blob.Size), cancellationToken);
        }
        catch (RegistryHttpException e)
        {
            throw PullErrors.ForBlob(e, reference, blob.Digest);
        }
        progress.Downloaded(plan);
        var layer = await LayerDecompressor.DecompressAsync(blobPath, work.NewFile("tar"), cancellationToken);
        if (layer.DiffId != plan.DiffId)
        {
            throw new InternalException(
                $"layers from manifest don't match image configuration: layer {blob.Digest} has diff ID {layer.DiffId}, the configuration expects {plan.DiffId}");
        }
        string mediaType = blob.MediaType is { Length: > 0 } declared ? declared : LayerMediaType.For(layer.Compression);
        return new PreparedLayer(layer.TarPath, layer.TarSize, new KeptBlob(blobPath, blob.Digest, mediaType, layer.BlobSize));
    }

    private static ManifestJson ParseManifest(FetchedManifest fetched, ImageReference reference)
    {
        ManifestJson manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(fetched.Bytes, RegistryJson.Default.ManifestJson) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"{reference.Familiar}: invalid manifest: {e.Message}");
        }
        if (manifest.SchemaVersion == 1 || MediaTypes.IsSchema1(manifest.MediaType) || MediaTypes.IsSchema1(fetched.ContentType))
        {
            throw new InvalidArgumentException(
                $"{reference.Familiar} uses Docker image manifest version 2, schema 1, which is no longer supported: " +
                "the image must be republished as Docker manifest v2 schema 2 or as an OCI image");
        }
        return manifest;
    }

    private static bool IsIndex(ManifestJson manifest, FetchedManifest fetched) =>
        manifest.Manifests is not null || MediaTypes.IsIndex(manifest.MediaType) || (manifest.MediaType is null && MediaTypes.IsIndex(fetched.ContentType));
}
