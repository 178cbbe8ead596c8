namespace Vic.ImageC;

/// <summary>
/// An image made from one new layer on top of an existing image (docker commit) or of nothing (docker import).
/// The service computes the layer's diff ID and writes the config: the parent's, with <see cref="Config"/> as its
/// runtime config, a history entry and the new diff ID appended.
/// </summary>
public sealed record NewImage
{
    /// <summary>The image the layer goes on top of; null for an image of one layer (import).</summary>
    public string? ParentImageId { get; init; }

    public required ImageConfig Config { get; init; }

    public string Author { get; init; } = "";

    /// <summary>The config's and the history entry's comment (commit -m, import's message).</summary>
    public string Comment { get; init; } = "";

    /// <summary>The history entry's created_by (the committed container's command).</summary>
    public string CreatedBy { get; init; } = "";

    /// <summary>The committed container's ID (the config's "container"); null for import.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The committed container's configuration as a JSON object (the config's "container_config", as dockerd
    /// writes it for a commit); null for import.</summary>
    public byte[]? ContainerConfigJson { get; init; }

    /// <summary>"repo[:tag]" references to point at the new image; none leaves it untagged.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>The layer may be compressed (gzip, zstd), as docker import accepts; a commit's never is.</summary>
    public bool MayBeCompressed { get; init; }
}
