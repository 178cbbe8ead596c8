using System.Text.Json.Serialization;

namespace Vic.ImageC.Json;

// What imagec keeps in IMetadataStore. These are internal contracts: unknown members are rejected.

/// <summary>images/&lt;hex&gt;/meta.json: what the config does not say about an image.</summary>
internal sealed record StoredImage
{
    /// <summary>Bottom layer first.</summary>
    public required List<StoredLayer> Layers { get; init; }

    /// <summary>When this VCH first stored the image (the config's "created" is when it was built).</summary>
    public required DateTimeOffset Stored { get; init; }

    /// <summary>The local image this one was committed on top of; null for pulled, loaded and imported images.</summary>
    public string? Parent { get; init; }
}

/// <summary>One layer of an image: its chain ID (the layer store's name), diff ID and uncompressed size.</summary>
internal sealed record StoredLayer(string ChainId, string DiffId, long Size);

/// <summary>repositories.json: repository name → full reference (tag or digest) → image ID.</summary>
internal sealed record StoredRepositories
{
    public Dictionary<string, Dictionary<string, string>> Repositories { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>
/// diffs/&lt;diff hex&gt;.json: the blob kept for a layer's content (as pulled or loaded), so that save (and later push)
/// can produce the layer again without reading it back from a disk.
/// </summary>
internal sealed record StoredBlob(string Digest, string MediaType, long Size, long TarSize);

/// <summary>
/// images/&lt;hex&gt;/manifest.json: the platform manifest an image was pulled with, byte for byte, so a push of the
/// unchanged image re-uses its blobs and yields the same manifest digest.
/// </summary>
internal sealed record StoredManifest(string MediaType, byte[] Bytes);

/// <summary>sources/&lt;blob hex&gt;.json: repositories ("domain/path") known to hold a blob, for cross-repository mounts.</summary>
internal sealed record StoredSources(List<string> Repositories);

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(StoredImage))]
[JsonSerializable(typeof(StoredRepositories))]
[JsonSerializable(typeof(StoredBlob))]
[JsonSerializable(typeof(StoredManifest))]
[JsonSerializable(typeof(StoredSources))]
internal sealed partial class StoreJson : JsonSerializerContext;
