using Microsoft.Extensions.Logging;
using Vic.ImageC.Digests;
using Vic.ImageC.Layers;
using Vic.ImageC.Progress;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Archive;

/// <summary>
/// docker load: stream the outer archive into the workspace, then import each image it describes the way a pull
/// does (verify, decompress on the host as a stream, write layers inside VMs through the layer store), then tag.
/// </summary>
internal sealed class ArchiveLoader(ImageCatalog catalog, BlobStore blobs, LayerImporter importer, ImageCommitter committer, TimeProvider time, ILogger logger)
{
    private const long MaxConfigBytes = 16 << 20;

    public async Task<IReadOnlyList<string>> LoadAsync(Stream archive, IProgress<ProgressMessage> sink, CancellationToken cancellationToken)
    {
        using var work = new TempWorkspace(blobs.TempRoot, logger);
        ArchiveEntries entries;
        await using (var input = await ArchiveInput.OpenAsync(archive, cancellationToken))
        {
            entries = await ArchiveEntries.ReadAsync(input, work, cancellationToken);
        }
        var images = await ArchiveManifests.ReadAsync(entries, cancellationToken);
        // Blobs the first images moved into the blob store, for later images of the archive that share them.
        var adopted = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var image in images)
        {
            lines.AddRange(await LoadImageAsync(image, entries, work, adopted, sink, cancellationToken));
        }
        return lines;
    }

    private async Task<IReadOnlyList<string>> LoadImageAsync(
        ArchiveImage image, ArchiveEntries entries, TempWorkspace work, Dictionary<string, string> adopted, IProgress<ProgressMessage> sink, CancellationToken cancellationToken)
    {
        byte[] config = await entries.ReadAllAsync(image.ConfigEntry, MaxConfigBytes, cancellationToken);
        string imageId = Digest.Of(config);
        if (image.ConfigDigest is not null && image.ConfigDigest != imageId)
        {
            throw new InvalidArgumentException($"invalid archive: {image.ConfigEntry} does not match its digest");
        }
        var diffIds = ImageRecords.ParseConfig(config).RootFs?.DiffIds ?? [];
        if (diffIds.Count != image.Layers.Count)
        {
            throw new InvalidArgumentException($"invalid archive: the config of {imageId} lists {diffIds.Count} layers, the manifest {image.Layers.Count}");
        }
        foreach (string diffId in diffIds)
        {
            Digest.RequireSha256(diffId, "image configuration diff ID");
        }
        var chain = ChainIds.Compute(diffIds);
        var plans = diffIds.Select((d, i) => new LayerPlan(i, chain[i], i == 0 ? null : chain[i - 1], d, Digest.Short(chain[i]))).ToList();

        using var pin = catalog.Pin(chain);
        var import = await importer.ImportAsync(
            plans, (plan, token) => PrepareAsync(image.Layers[plan.Index], plan, entries, work, adopted, token), new LoadProgress(sink, time), pin, cancellationToken);
        var committed = await committer.CommitAsync(imageId, config, plans, import, image.Tags, cancellationToken);
        foreach (var blob in import.Blobs.OfType<KeptBlob>())
        {
            adopted[blob.Path] = blob.Digest;
        }

        var lines = new List<string>();
        foreach (var (reference, previous) in committed)
        {
            if (previous is not null && previous != imageId)
            {
                lines.Add($"The image {reference.Familiar} already exists, renaming the old one with ID {previous} to empty string");
            }
            lines.Add($"Loaded image: {reference.Familiar}");
            Log.ImageStored(logger, imageId, reference.ToString());
        }
        if (committed.Count == 0)
        {
            lines.Add($"Loaded image ID: {imageId}");
            Log.ImageStored(logger, imageId, "(untagged)");
        }
        return lines;
    }

    private async Task<PreparedLayer> PrepareAsync(
        ArchiveLayer source, LayerPlan plan, ArchiveEntries entries, TempWorkspace work, Dictionary<string, string> adopted, CancellationToken cancellationToken)
    {
        string path = entries.PathOf(source.Entry) ?? throw new InvalidArgumentException($"invalid archive: layer {source.Entry} is missing");
        if (!File.Exists(path) && adopted.TryGetValue(path, out string? digest))
        {
            path = blobs.PathOf(digest);
        }
        var layer = await LayerDecompressor.DecompressAsync(path, work.NewFile("tar"), cancellationToken);
        if (source.Digest is not null && layer.BlobDigest != source.Digest)
        {
            throw new InvalidArgumentException($"invalid archive: {source.Entry} does not match its digest");
        }
        if (layer.DiffId != plan.DiffId)
        {
            throw new InvalidArgumentException($"invalid diffID for layer {plan.Index}: expected {plan.DiffId}, got {layer.DiffId}");
        }
        string mediaType = source.MediaType is { Length: > 0 } declared ? declared : LayerMediaType.For(layer.Compression);
        return new PreparedLayer(layer.TarPath, layer.TarSize, new KeptBlob(path, layer.BlobDigest, mediaType, layer.BlobSize));
    }
}
