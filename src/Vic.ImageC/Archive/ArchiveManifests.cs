using System.Text.Json;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.References;
using Vic.ImageC.Registry;
using Vic.PortLayer;

namespace Vic.ImageC.Archive;

/// <summary>Reads which images an archive holds: docker save's manifest.json, else an OCI layout's index.json.</summary>
internal static class ArchiveManifests
{
    private const long MaxJsonBytes = 16 << 20;
    private const string ContainerdNameAnnotation = "io.containerd.image.name";
    private const string OciRefNameAnnotation = "org.opencontainers.image.ref.name";

    public static async Task<IReadOnlyList<ArchiveImage>> ReadAsync(ArchiveEntries entries, CancellationToken cancellationToken)
    {
        if (entries.Contains("manifest.json"))
        {
            return await ReadDockerAsync(entries, cancellationToken);
        }
        if (entries.Contains("index.json"))
        {
            return await ReadOciAsync(entries, cancellationToken);
        }
        throw new InvalidArgumentException("invalid archive: it has neither manifest.json (docker save) nor index.json (OCI image layout)");
    }

    private static async Task<IReadOnlyList<ArchiveImage>> ReadDockerAsync(ArchiveEntries entries, CancellationToken cancellationToken)
    {
        var manifest = Parse(await entries.ReadAllAsync("manifest.json", MaxJsonBytes, cancellationToken), RegistryJson.Default.ListDockerArchiveEntry, "manifest.json");
        return manifest.Select(entry => new ArchiveImage(
            entry.Config,
            null,
            entry.Layers.Select(l => new ArchiveLayer(l, null, null)).ToList(),
            (entry.RepoTags ?? []).Select(ParseTag).ToList())).ToList();
    }

    private static async Task<IReadOnlyList<ArchiveImage>> ReadOciAsync(ArchiveEntries entries, CancellationToken cancellationToken)
    {
        var index = Parse(await entries.ReadAllAsync("index.json", MaxJsonBytes, cancellationToken), RegistryJson.Default.ManifestJson, "index.json");
        var images = new List<ArchiveImage>();
        foreach (var descriptor in index.Manifests ?? [])
        {
            var manifest = await ReadBlobJsonAsync(entries, descriptor, cancellationToken);
            if (manifest.Manifests is not null)
            {
                // A nested index (multi-platform image): load the entry for this host's platform.
                var entry = manifest.Manifests.FirstOrDefault(m => PlatformSpec.Default.Matches(m.Platform))
                    ?? throw new NotFoundException($"no matching manifest for {PlatformSpec.Default} in the manifest list entries");
                manifest = await ReadBlobJsonAsync(entries, entry, cancellationToken);
            }
            if (manifest.Config is null || manifest.Layers is null)
            {
                throw new InvalidArgumentException($"invalid archive: manifest {descriptor.Digest} has no config or layers");
            }
            images.Add(new ArchiveImage(
                BlobEntry(manifest.Config.Digest),
                manifest.Config.Digest,
                manifest.Layers.Select(l => new ArchiveLayer(BlobEntry(l.Digest), l.Digest, l.MediaType)).ToList(),
                OciTags(descriptor)));
        }
        return images;
    }

    /// <summary>
    /// An OCI layout names images by annotation: containerd's full image name, or a ref.name that is a whole
    /// reference. A bare tag ("latest", as skopeo writes) names no repository, so the image loads untagged.
    /// </summary>
    private static List<ImageReference> OciTags(Descriptor descriptor)
    {
        var annotations = descriptor.Annotations ?? [];
        string? name = annotations.GetValueOrDefault(ContainerdNameAnnotation);
        if (name is null && annotations.GetValueOrDefault(OciRefNameAnnotation) is { } refName && refName.AsSpan().IndexOfAny('/', ':') >= 0)
        {
            name = refName;
        }
        return name is null ? [] : [ParseTag(name)];
    }

    private static async Task<ManifestJson> ReadBlobJsonAsync(ArchiveEntries entries, Descriptor descriptor, CancellationToken cancellationToken)
    {
        string entry = BlobEntry(descriptor.Digest);
        byte[] bytes = await entries.ReadAllAsync(entry, MaxJsonBytes, cancellationToken);
        if (Digest.Of(bytes) != descriptor.Digest)
        {
            throw new InvalidArgumentException($"invalid archive: {entry} does not match its digest");
        }
        return Parse(bytes, RegistryJson.Default.ManifestJson, entry);
    }

    private static string BlobEntry(string digest) => "blobs/sha256/" + Digest.Hex(Digest.RequireSha256(digest, "invalid archive"));

    private static ImageReference ParseTag(string text)
    {
        var reference = ImageReference.Parse(text);
        if (reference.Digest is not null)
        {
            throw new InvalidArgumentException($"invalid archive: {text} is not a tag reference");
        }
        return reference.WithDefaultTag();
    }

    private static T Parse<T>(byte[] bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string entry)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid archive: {entry}: {e.Message}");
        }
    }
}
