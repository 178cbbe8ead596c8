using System.Text.Json;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.PortLayer;

namespace Vic.ImageC.Store;

/// <summary>
/// imagec's metadata in <see cref="IMetadataStore"/>: images/&lt;hex&gt;/config.json (the raw config, whose sha256 is
/// the ID), images/&lt;hex&gt;/meta.json (layers), repositories.json (tags and digests), diffs/&lt;hex&gt;.json (kept blobs).
/// Mutations happen under <see cref="LockAsync"/>, so concurrent pulls, tags and removals see consistent state;
/// writes are ordered so that a crash never leaves a tag pointing at a missing image.
/// </summary>
internal sealed class ImageCatalog(IMetadataStore store)
{
    private const string RepositoriesKey = "repositories.json";
    private const string ImagesPrefix = "images/";

    private readonly SemaphoreSlim _mutex = new(1, 1);
    private readonly Dictionary<string, int> _pins = new(StringComparer.Ordinal);

    /// <summary>Serialises metadata mutations; dispose the result to release.</summary>
    public async Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        await _mutex.WaitAsync(cancellationToken);
        return new Releaser(_mutex);
    }

    /// <summary>
    /// Marks layers as in use by an operation that has not committed an image yet, so removals and rollbacks of
    /// other operations leave them alone. Dispose the pin when the operation has committed or failed.
    /// </summary>
    public LayerPin Pin(IEnumerable<string> chainIds)
    {
        var pin = new LayerPin(this, chainIds.Distinct(StringComparer.Ordinal).ToArray());
        lock (_pins)
        {
            foreach (string id in pin.ChainIds)
            {
                _pins[id] = _pins.GetValueOrDefault(id) + 1;
            }
        }
        return pin;
    }

    public bool IsPinnedByOthers(string chainId, LayerPin? mine)
    {
        lock (_pins)
        {
            int count = _pins.GetValueOrDefault(chainId) - (mine?.ChainIds.Contains(chainId) == true ? 1 : 0);
            return count > 0;
        }
    }

    public async Task<StoredRepositories> ReadRepositoriesAsync(CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(RepositoriesKey, cancellationToken);
        return bytes is null ? new StoredRepositories() : Deserialize(bytes, StoreJson.Default.StoredRepositories, RepositoriesKey);
    }

    public Task WriteRepositoriesAsync(StoredRepositories repositories, CancellationToken cancellationToken)
    {
        foreach (string empty in repositories.Repositories.Where(r => r.Value.Count == 0).Select(r => r.Key).ToList())
        {
            repositories.Repositories.Remove(empty);
        }
        return store.PutAsync(RepositoriesKey, JsonSerializer.SerializeToUtf8Bytes(repositories, StoreJson.Default.StoredRepositories), cancellationToken);
    }

    /// <summary>Full image IDs ("sha256:...") of every stored image.</summary>
    public async Task<IReadOnlyList<string>> ListImageIdsAsync(CancellationToken cancellationToken)
    {
        var keys = await store.ListAsync(ImagesPrefix, cancellationToken);
        return keys
            .Where(k => k.EndsWith("/meta.json", StringComparison.Ordinal))
            .Select(k => k[ImagesPrefix.Length..^"/meta.json".Length])
            .Where(hex => hex.Length == Digest.HexLength && Digest.IsLowerHex(hex))
            .Select(hex => Digest.Sha256Prefix + hex)
            .ToList();
    }

    public async Task<StoredImage?> ReadImageAsync(string imageId, CancellationToken cancellationToken)
    {
        string key = ImageKey(imageId, "meta.json");
        byte[]? bytes = await store.GetAsync(key, cancellationToken);
        return bytes is null ? null : Deserialize(bytes, StoreJson.Default.StoredImage, key);
    }

    public Task<byte[]?> ReadConfigAsync(string imageId, CancellationToken cancellationToken) =>
        store.GetAsync(ImageKey(imageId, "config.json"), cancellationToken);

    /// <summary>Config first, meta.json last: meta.json is what makes the image exist.</summary>
    public async Task WriteImageAsync(string imageId, byte[] config, StoredImage image, CancellationToken cancellationToken)
    {
        await store.PutAsync(ImageKey(imageId, "config.json"), config, cancellationToken);
        await store.PutAsync(ImageKey(imageId, "meta.json"), JsonSerializer.SerializeToUtf8Bytes(image, StoreJson.Default.StoredImage), cancellationToken);
    }

    public async Task DeleteImageAsync(string imageId, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(ImageKey(imageId, "meta.json"), cancellationToken);
        await store.DeleteAsync(ImageKey(imageId, "config.json"), cancellationToken);
        await store.DeleteAsync(ImageKey(imageId, "manifest.json"), cancellationToken);
    }

    public async Task<StoredManifest?> ReadManifestAsync(string imageId, CancellationToken cancellationToken)
    {
        string key = ImageKey(imageId, "manifest.json");
        byte[]? bytes = await store.GetAsync(key, cancellationToken);
        return bytes is null ? null : Deserialize(bytes, StoreJson.Default.StoredManifest, key);
    }

    public Task WriteManifestAsync(string imageId, StoredManifest manifest, CancellationToken cancellationToken) =>
        store.PutAsync(ImageKey(imageId, "manifest.json"), JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJson.Default.StoredManifest), cancellationToken);

    /// <summary>Repositories ("domain/path") a blob is known to be in, most recent first.</summary>
    public async Task<IReadOnlyList<string>> ReadSourcesAsync(string blobDigest, CancellationToken cancellationToken)
    {
        string key = SourcesKey(blobDigest);
        byte[]? bytes = await store.GetAsync(key, cancellationToken);
        return bytes is null ? [] : Deserialize(bytes, StoreJson.Default.StoredSources, key).Repositories;
    }

    /// <summary>Remembers that <paramref name="repository"/> holds the blob; keeps the few most recent (mount candidates, not a registry index).</summary>
    public async Task AddSourceAsync(string blobDigest, string repository, CancellationToken cancellationToken)
    {
        const int Keep = 8;
        var known = await ReadSourcesAsync(blobDigest, cancellationToken);
        if (known.Count > 0 && known[0] == repository)
        {
            return;
        }
        var list = new List<string> { repository };
        list.AddRange(known.Where(r => r != repository).Take(Keep - 1));
        await store.PutAsync(SourcesKey(blobDigest), JsonSerializer.SerializeToUtf8Bytes(new StoredSources(list), StoreJson.Default.StoredSources), cancellationToken);
    }

    public async Task<StoredBlob?> ReadBlobAsync(string diffId, CancellationToken cancellationToken)
    {
        string key = BlobKey(diffId);
        byte[]? bytes = await store.GetAsync(key, cancellationToken);
        return bytes is null ? null : Deserialize(bytes, StoreJson.Default.StoredBlob, key);
    }

    public Task WriteBlobAsync(string diffId, StoredBlob blob, CancellationToken cancellationToken) =>
        store.PutAsync(BlobKey(diffId), JsonSerializer.SerializeToUtf8Bytes(blob, StoreJson.Default.StoredBlob), cancellationToken);

    public Task DeleteBlobAsync(string diffId, CancellationToken cancellationToken) => store.DeleteAsync(BlobKey(diffId), cancellationToken);

    /// <summary>Every chain ID and diff ID some stored image uses (for deciding what a removal may free).</summary>
    public async Task<(HashSet<string> ChainIds, HashSet<string> DiffIds)> UsedLayersAsync(CancellationToken cancellationToken)
    {
        var chains = new HashSet<string>(StringComparer.Ordinal);
        var diffs = new HashSet<string>(StringComparer.Ordinal);
        foreach (string id in await ListImageIdsAsync(cancellationToken))
        {
            foreach (var layer in (await ReadImageAsync(id, cancellationToken))?.Layers ?? [])
            {
                chains.Add(layer.ChainId);
                diffs.Add(layer.DiffId);
            }
        }
        return (chains, diffs);
    }

    internal void Unpin(LayerPin pin)
    {
        lock (_pins)
        {
            foreach (string id in pin.ChainIds)
            {
                if (--_pins[id] == 0)
                {
                    _pins.Remove(id);
                }
            }
        }
    }

    private static string ImageKey(string imageId, string file) => $"{ImagesPrefix}{Digest.Hex(imageId)}/{file}";

    public Task DeleteSourcesAsync(string blobDigest, CancellationToken cancellationToken) => store.DeleteAsync(SourcesKey(blobDigest), cancellationToken);

    private static string SourcesKey(string blobDigest) => $"sources/{Digest.Hex(blobDigest)}.json";

    private static string BlobKey(string diffId) => $"diffs/{Digest.Hex(diffId)}.json";

    private static T Deserialize<T>(byte[] bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string key)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new InternalException($"image metadata {key} is empty");
        }
        catch (JsonException e)
        {
            throw new InternalException($"image metadata {key} is corrupt: {e.Message}", e);
        }
    }

    private sealed class Releaser(SemaphoreSlim mutex) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                mutex.Release();
            }
        }
    }
}
