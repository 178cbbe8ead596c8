using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.References;

namespace Vic.ImageC.Store;

/// <summary>What a user's "busybox", "busybox@sha256:...", "sha256:6d3e...", or "6d3e" means, in dockerd's order.</summary>
internal static class ImageResolver
{
    /// <summary>The full image ID, or null when nothing (or more than one image, for a prefix) matches.</summary>
    public static async Task<string?> ResolveAsync(ImageCatalog catalog, StoredRepositories repositories, string nameOrId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(nameOrId))
        {
            return null;
        }
        var ids = (await catalog.ListImageIdsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        if (FullId(nameOrId) is { } full)
        {
            return ids.Contains(full) ? full : null;
        }
        if (ReferenceParser.TryParseNormalized(nameOrId, out var reference, out _) && Lookup(repositories, reference) is { } named && ids.Contains(named))
        {
            return named;
        }
        string prefix = nameOrId.StartsWith(Digest.Sha256Prefix, StringComparison.Ordinal) ? nameOrId[Digest.Sha256Prefix.Length..] : nameOrId;
        if (prefix.Length == 0 || !Digest.IsLowerHex(prefix))
        {
            return null;
        }
        var matches = ids.Where(id => id.AsSpan(Digest.Sha256Prefix.Length).StartsWith(prefix, StringComparison.Ordinal)).Take(2).ToList();
        // An ambiguous prefix finds nothing, as in dockerd ("No such image").
        return matches.Count == 1 ? matches[0] : null;
    }

    /// <summary>The image a tag or digest reference points at; a name alone means its "latest" tag.</summary>
    public static string? Lookup(StoredRepositories repositories, ImageReference reference)
    {
        var key = reference.Digest is { } digest ? reference.DigestOnly(digest) : reference.WithDefaultTag();
        return repositories.Repositories.TryGetValue(key.Name, out var refs) && refs.TryGetValue(key.ToString(), out var id) ? id : null;
    }

    /// <summary>"sha256:" + 64 hex for a full ID in either spelling; null otherwise.</summary>
    public static string? FullId(string text)
    {
        if (Digest.IsSha256(text))
        {
            return text;
        }
        return ReferenceParser.IsFullHexId(text) ? Digest.Sha256Prefix + text : null;
    }

    /// <summary>True when the user named the image by (a prefix of) its ID rather than by a reference.</summary>
    public static bool IsIdPrefix(string imageId, string nameOrId)
    {
        string hex = nameOrId.StartsWith(Digest.Sha256Prefix, StringComparison.Ordinal) ? nameOrId[Digest.Sha256Prefix.Length..] : nameOrId;
        return hex.Length > 0 && imageId.AsSpan(Digest.Sha256Prefix.Length).StartsWith(hex, StringComparison.Ordinal);
    }
}
