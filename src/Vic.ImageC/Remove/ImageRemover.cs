using Microsoft.Extensions.Logging;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.Layers;
using Vic.ImageC.References;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Remove;

/// <summary>
/// docker rmi with dockerd's rules: a reference is untagged, and the image deleted only when no reference is left;
/// by ID, an image with one tag (plus digests of that repository) loses them and goes. Conflicts with containers
/// are checked before anything changes. Deleting frees the layers and kept blobs no other image uses.
/// </summary>
internal sealed class ImageRemover(IImageLayerStore layers, ImageCatalog catalog, BlobStore blobs, ILogger logger)
{
    public async Task<IReadOnlyList<ImageDeleteItem>> RemoveAsync(string nameOrId, bool force, Func<string, ImageUser?> imageUser, CancellationToken cancellationToken)
    {
        using var locked = await catalog.LockAsync(cancellationToken);
        var repositories = await catalog.ReadRepositoriesAsync(cancellationToken);
        string imageId = await ImageResolver.ResolveAsync(catalog, repositories, nameOrId, cancellationToken)
            ?? throw new NotFoundException($"No such image: {nameOrId}");
        var user = imageUser(imageId);
        var records = new List<ImageDeleteItem>();
        var references = ReferencesTo(repositories, imageId);
        bool quiet = false;

        if (!ImageResolver.IsIdPrefix(imageId, nameOrId))
        {
            if (!force && user is not null && IsSingleReference(references))
            {
                // Removing the last reference would leave the container's image dangling: ask for force.
                throw new ConflictException(
                    $"conflict: unable to remove repository reference \"{nameOrId}\" (must force) - container {Digest.Short(user.ContainerId)} is using its referenced image {Digest.Short(imageId)}");
            }
            var removed = ImageReference.Parse(nameOrId);
            removed = removed.Digest is { } digest ? removed.DigestOnly(digest) : removed.WithDefaultTag();
            Untag(repositories, removed, records);
            references = ReferencesTo(repositories, imageId);
            if (removed.Digest is null && !references.Any(r => r.Digest is null && r.Name == removed.Name))
            {
                // The repository's last tag is gone: its digest references go with it.
                foreach (var canonical in references.Where(r => r.Digest is not null && r.Name == removed.Name))
                {
                    Untag(repositories, canonical, records);
                }
                references = ReferencesTo(repositories, imageId);
            }
            if (references.Count > 0)
            {
                await catalog.WriteRepositoriesAsync(repositories, cancellationToken);
                return records;
            }
            quiet = true;
        }
        else if (IsSingleReference(references))
        {
            if (Conflict(imageId, user, soft: !force, referenced: false) is { } conflict)
            {
                throw conflict.Error;
            }
            references.ForEach(r => Untag(repositories, r, records));
            references = [];
        }

        if (Conflict(imageId, user, soft: !force, referenced: references.Count > 0) is { } blocking)
        {
            if (quiet && blocking.Used)
            {
                // Untagged by reference while a container uses it: keep the (now dangling) image, as dockerd does.
                await catalog.WriteRepositoriesAsync(repositories, cancellationToken);
                return records;
            }
            throw blocking.Error;
        }
        references.ForEach(r => Untag(repositories, r, records));
        await catalog.WriteRepositoriesAsync(repositories, cancellationToken);
        await DeleteAsync(imageId, records, cancellationToken);
        return records;
    }

    private async Task DeleteAsync(string imageId, List<ImageDeleteItem> records, CancellationToken cancellationToken)
    {
        var image = await catalog.ReadImageAsync(imageId, cancellationToken);
        await catalog.DeleteImageAsync(imageId, cancellationToken);
        records.Add(new ImageDeleteItem(null, imageId));
        Log.ImageRemoved(logger, imageId);
        if (image is null)
        {
            return;
        }
        var freed = await LayerReleaser.ReleaseAsync(layers, catalog, image.Layers.Select(l => l.ChainId).ToList(), null, logger, cancellationToken);
        var sizes = image.Layers.GroupBy(l => l.ChainId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Size, StringComparer.Ordinal);
        records.AddRange(freed.Select(id => new ImageDeleteItem(null, id) { Size = sizes.GetValueOrDefault(id) }));
        var (_, usedDiffs) = await catalog.UsedLayersAsync(cancellationToken);
        foreach (string diffId in image.Layers.Select(l => l.DiffId).Distinct().Where(d => !usedDiffs.Contains(d)))
        {
            if (await catalog.ReadBlobAsync(diffId, cancellationToken) is { } blob)
            {
                await catalog.DeleteBlobAsync(diffId, cancellationToken);
                await catalog.DeleteSourcesAsync(blob.Digest, cancellationToken);
                blobs.Delete(blob.Digest);
            }
        }
    }

    private sealed record BlockingConflict(ConflictException Error, bool Used);

    /// <summary>dockerd's checks in its order: running container (hard), other references, stopped container (soft).</summary>
    private static BlockingConflict? Conflict(string imageId, ImageUser? user, bool soft, bool referenced)
    {
        string id = Digest.Short(imageId);
        if (user is { Running: true })
        {
            return new(new ConflictException($"conflict: unable to delete {id} (cannot be forced) - image is being used by running container {Digest.Short(user.ContainerId)}"), true);
        }
        if (soft && referenced)
        {
            return new(new ConflictException($"conflict: unable to delete {id} (must be forced) - image is referenced in multiple repositories"), false);
        }
        if (soft && user is not null)
        {
            return new(new ConflictException($"conflict: unable to delete {id} (must be forced) - image is being used by stopped container {Digest.Short(user.ContainerId)}"), true);
        }
        return null;
    }

    /// <summary>One tag at most, and every digest reference in that tag's repository.</summary>
    private static bool IsSingleReference(List<ImageReference> references)
    {
        if (references.Count <= 1)
        {
            return references.Count == 1;
        }
        var tags = references.Where(r => r.Digest is null).ToList();
        if (tags.Count > 1)
        {
            return false;
        }
        var canonicalNames = references.Where(r => r.Digest is not null).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        string single = (tags.FirstOrDefault() ?? references[0]).Name;
        return canonicalNames.Count == 1 && canonicalNames.Contains(single);
    }

    private static List<ImageReference> ReferencesTo(StoredRepositories repositories, string imageId) =>
        repositories.Repositories.Values
            .SelectMany(refs => refs.Where(r => r.Value == imageId).Select(r => r.Key))
            .Order(StringComparer.Ordinal)
            .Select(ImageReference.Parse)
            .ToList();

    private static void Untag(StoredRepositories repositories, ImageReference reference, List<ImageDeleteItem> records)
    {
        if (repositories.Repositories.TryGetValue(reference.Name, out var refs) && refs.Remove(reference.ToString()))
        {
            records.Add(new ImageDeleteItem(reference.Familiar, null));
        }
    }
}
