using System.Formats.Tar;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.Layers;
using Vic.ImageC.References;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Archive;

/// <summary>
/// docker save, in the classic docker-save layout: manifest.json, repositories, &lt;config hex&gt;.json and
/// &lt;chain hex&gt;/layer.tar per layer. Layer tars come from the blobs kept at pull/load time (the layer store
/// holds disks, not tars), decompressed as streams and checked against their diff IDs on the way out.
/// </summary>
internal sealed class ArchiveSaver(ImageCatalog catalog, BlobStore blobs, ILogger logger)
{
    private static readonly DateTimeOffset EntryTime = DateTimeOffset.UnixEpoch;

    private sealed record SavedImage(string Id, byte[] Config, StoredImage Image, List<ImageReference> Tags, List<FileStream?> Blobs, List<StoredBlob?> BlobInfo);

    public async Task SaveAsync(IReadOnlyList<string> namesOrIds, Stream output, CancellationToken cancellationToken)
    {
        var images = await SnapshotAsync(namesOrIds, cancellationToken);
        try
        {
            using var work = new TempWorkspace(blobs.TempRoot, logger);
            await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
            var manifest = new List<DockerArchiveEntry>();
            var repositories = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var image in images)
            {
                string configName = Digest.Hex(image.Id) + ".json";
                await WriteFileAsync(writer, configName, new MemoryStream(image.Config), cancellationToken);
                var layerNames = new List<string>();
                for (int i = 0; i < image.Image.Layers.Count; i++)
                {
                    var layer = image.Image.Layers[i];
                    string directory = Digest.Hex(layer.ChainId);
                    if (written.Add(directory))
                    {
                        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, directory + "/") { ModificationTime = EntryTime }, cancellationToken);
                        await WriteLayerAsync(writer, directory + "/layer.tar", layer, image.Blobs[i]!, image.BlobInfo[i]!, work, cancellationToken);
                    }
                    layerNames.Add(directory + "/layer.tar");
                }
                manifest.Add(new DockerArchiveEntry { Config = configName, RepoTags = image.Tags.Select(t => t.Familiar).ToList(), Layers = layerNames });
                foreach (var tag in image.Tags)
                {
                    if (!repositories.TryGetValue(tag.FamiliarName, out var tags))
                    {
                        repositories[tag.FamiliarName] = tags = new Dictionary<string, string>(StringComparer.Ordinal);
                    }
                    tags[tag.Tag!] = layerNames.Count > 0 ? layerNames[^1][..^"/layer.tar".Length] : "";
                }
            }
            await WriteFileAsync(writer, "manifest.json", new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, RegistryJson.Default.ListDockerArchiveEntry)), cancellationToken);
            await WriteFileAsync(writer, "repositories", new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(repositories, RegistryJson.Default.DictionaryStringDictionaryStringString)), cancellationToken);
        }
        finally
        {
            foreach (var blob in images.SelectMany(i => i.Blobs))
            {
                blob?.Dispose();
            }
        }
    }

    /// <summary>
    /// Resolves every name and opens every blob under the catalog lock, then lets go: open handles keep the blobs
    /// readable even if a concurrent rmi deletes them, and a slow client does not hold up other operations.
    /// </summary>
    private async Task<List<SavedImage>> SnapshotAsync(IReadOnlyList<string> namesOrIds, CancellationToken cancellationToken)
    {
        var images = new List<SavedImage>();
        using var locked = await catalog.LockAsync(cancellationToken);
        try
        {
            var repositories = await catalog.ReadRepositoriesAsync(cancellationToken);
            foreach (string name in namesOrIds)
            {
                foreach (var (id, tag) in await SelectAsync(repositories, name, cancellationToken))
                {
                    var image = images.FirstOrDefault(i => i.Id == id) ?? await OpenAsync(id, cancellationToken);
                    if (!images.Contains(image))
                    {
                        images.Add(image);
                    }
                    if (tag is not null && !image.Tags.Contains(tag))
                    {
                        image.Tags.Add(tag);
                    }
                }
            }
            return images;
        }
        catch
        {
            foreach (var blob in images.SelectMany(i => i.Blobs))
            {
                blob?.Dispose();
            }
            throw;
        }
    }

    /// <summary>dockerd's rule: "repo" saves every tag of repo, "repo:tag" that tag, an ID the image without tags.</summary>
    private async Task<List<(string Id, ImageReference? Tag)>> SelectAsync(StoredRepositories repositories, string name, CancellationToken cancellationToken)
    {
        if (ImageResolver.FullId(name) is null && ImageReference.TryParse(name, out var reference))
        {
            if (reference!.IsNameOnly && repositories.Repositories.TryGetValue(reference.Name, out var refs))
            {
                var tagged = refs.Select(r => (Ref: ImageReference.Parse(r.Key), Id: r.Value)).Where(r => r.Ref.Tag is not null && r.Ref.Digest is null).ToList();
                if (tagged.Count > 0)
                {
                    return tagged.Select(r => (r.Id, (ImageReference?)r.Ref)).ToList();
                }
            }
            if (ImageResolver.Lookup(repositories, reference) is { } id)
            {
                return [(id, reference.Digest is null ? reference.WithDefaultTag() : null)];
            }
        }
        string resolved = await ImageResolver.ResolveAsync(catalog, repositories, name, cancellationToken) ?? throw new NotFoundException($"No such image: {name}");
        return [(resolved, null)];
    }

    private async Task<SavedImage> OpenAsync(string id, CancellationToken cancellationToken)
    {
        byte[] config = await catalog.ReadConfigAsync(id, cancellationToken) ?? throw new NotFoundException($"No such image: {id}");
        var image = await catalog.ReadImageAsync(id, cancellationToken) ?? throw new NotFoundException($"No such image: {id}");
        var saved = new SavedImage(id, config, image, [], [], []);
        foreach (var layer in image.Layers)
        {
            var info = await catalog.ReadBlobAsync(layer.DiffId, cancellationToken);
            if (info is null || !blobs.Exists(info.Digest))
            {
                saved.Blobs.ForEach(b => b?.Dispose());
                throw new FailedPreconditionException(
                    $"unable to save {id}: the content of layer {layer.DiffId} was not kept by this VCH (pull or load the image again)");
            }
            saved.BlobInfo.Add(info);
            saved.Blobs.Add(new FileStream(blobs.PathOf(info.Digest), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous));
        }
        return saved;
    }

    private static async Task WriteLayerAsync(
        TarWriter writer, string name, StoredLayer layer, FileStream blob, StoredBlob info, TempWorkspace work, CancellationToken cancellationToken)
    {
        var compression = await LayerDecompressor.DetectAsync(blob, cancellationToken);
        if (compression == LayerCompression.None)
        {
            await WriteFileAsync(writer, name, blob, cancellationToken);
            return;
        }
        // A tar entry needs its size up front: decompress into a temp file, checking the diff ID on the way.
        string tarPath = work.NewFile("tar");
        try
        {
            await using (var tar = new FileStream(tarPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.Asynchronous))
            await using (var plain = LayerDecompressor.OpenDecompressed(blob, compression))
            {
                var (diffId, _) = await LayerDecompressor.CopyDecompressingAsync(plain, tar, info.Digest, cancellationToken);
                if (diffId != layer.DiffId)
                {
                    throw new InternalException($"kept blob {info.Digest} no longer matches layer {layer.DiffId}");
                }
                tar.Position = 0;
                await WriteFileAsync(writer, name, tar, cancellationToken);
            }
        }
        finally
        {
            TempWorkspace.DeleteQuietly(tarPath);
        }
    }

    private static Task WriteFileAsync(TarWriter writer, string name, Stream content, CancellationToken cancellationToken) =>
        writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = content, ModificationTime = EntryTime, Mode = (UnixFileMode)0b110_100_100 }, cancellationToken);
}
