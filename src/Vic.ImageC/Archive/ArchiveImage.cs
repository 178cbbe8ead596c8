using Vic.ImageC.References;

namespace Vic.ImageC.Archive;

/// <summary>One image described by an archive's manifest.json or index.json.</summary>
/// <param name="ConfigEntry">Entry name of the config JSON.</param>
/// <param name="ConfigDigest">Digest the config must have (OCI descriptors); null for docker-save entries.</param>
/// <param name="Layers">Per layer, bottom first: entry name, expected blob digest (OCI) and declared media type.</param>
internal sealed record ArchiveImage(
    string ConfigEntry,
    string? ConfigDigest,
    IReadOnlyList<ArchiveLayer> Layers,
    IReadOnlyList<ImageReference> Tags);

internal sealed record ArchiveLayer(string Entry, string? Digest, string? MediaType);
