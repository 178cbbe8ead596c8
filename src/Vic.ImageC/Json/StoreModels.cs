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

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(StoredImage))]
[JsonSerializable(typeof(StoredRepositories))]
[JsonSerializable(typeof(StoredBlob))]
internal sealed partial class StoreJson : JsonSerializerContext;
