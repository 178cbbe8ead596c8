using Vic.ImageC.Json;
using Vic.ImageC.Layers;
using Vic.ImageC.References;

namespace Vic.ImageC.Store;

/// <summary>The last step of a pull or load: make the image and its references exist, atomically as seen by other operations.</summary>
internal sealed class ImageCommitter(ImageCatalog catalog, BlobStore blobs, TimeProvider time)
{
    /// <summary>
    /// Adopts the kept blobs, writes the image (unless present) and points <paramref name="references"/> at it.
    /// Returns, per reference, the image ID it pointed at before (null when new). A pull passes the manifest it
    /// pulled (kept unless the image has one) and the repository its blobs came from (a mount source for pushes);
    /// a commit passes the image it was made on top of (its local parent, as dockerd records it).
    /// </summary>
    public async Task<IReadOnlyList<(ImageReference Reference, string? Previous)>> CommitAsync(
        string imageId,
        byte[] config,
        IReadOnlyList<LayerPlan> plans,
        ImportResult import,
        IReadOnlyList<ImageReference> references,
        CancellationToken cancellationToken,
        StoredManifest? manifest = null,
        (string Repository, IReadOnlyList<string> BlobDigests)? source = null,
        string? parent = null)
    {
        using var locked = await catalog.LockAsync(cancellationToken);
        // Past this point the commit runs to the end: a half-written commit would be worse than a late one.
        var token = CancellationToken.None;
        var layers = new List<StoredLayer>();
        foreach (var plan in plans)
        {
            long size = import.TarSizes[plan.Index];
            var known = await catalog.ReadBlobAsync(plan.DiffId, token);
            if (import.Blobs[plan.Index] is { } blob && known is null)
            {
                blobs.Adopt(blob.Path, blob.Digest);
                await catalog.WriteBlobAsync(plan.DiffId, new StoredBlob(blob.Digest, blob.MediaType, blob.Size, size), token);
            }
            layers.Add(new StoredLayer(plan.ChainId, plan.DiffId, size > 0 || known is null ? size : known.TarSize));
        }
        if (await catalog.ReadImageAsync(imageId, token) is null)
        {
            await catalog.WriteImageAsync(imageId, config, new StoredImage { Layers = layers, Stored = time.GetUtcNow(), Parent = parent }, token);
        }
        if (manifest is not null && await catalog.ReadManifestAsync(imageId, token) is null)
        {
            await catalog.WriteManifestAsync(imageId, manifest, token);
        }
        if (source is { } from)
        {
            foreach (string digest in from.BlobDigests)
            {
                await catalog.AddSourceAsync(digest, from.Repository, token);
            }
        }
        var repositories = await catalog.ReadRepositoriesAsync(token);
        var result = new List<(ImageReference, string?)>();
        foreach (var reference in references)
        {
            if (!repositories.Repositories.TryGetValue(reference.Name, out var refs))
            {
                refs = new Dictionary<string, string>(StringComparer.Ordinal);
                repositories.Repositories[reference.Name] = refs;
            }
            result.Add((reference, refs.GetValueOrDefault(reference.ToString())));
            refs[reference.ToString()] = imageId;
        }
        await catalog.WriteRepositoriesAsync(repositories, token);
        return result;
    }
}
