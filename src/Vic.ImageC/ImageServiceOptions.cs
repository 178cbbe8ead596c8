namespace Vic.ImageC;

/// <summary>How an <see cref="ImageService"/> works; the defaults suit a VCH.</summary>
public sealed record ImageServiceOptions
{
    /// <summary>
    /// A host directory on the datastore that imagec owns: kept layer blobs (blobs/sha256/) and per-operation
    /// temp files (tmp/). Created if missing.
    /// </summary>
    public required string DataDirectory { get; init; }

    /// <summary>Layers downloaded at once per pull (dockerd's default is 3).</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;

    /// <summary>Retries of a registry request after a transient failure (5xx, 429, reset, truncated body); 0 disables.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First backoff delay; doubles per retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Layers uploaded at once per push (dockerd's default is 5).</summary>
    public int MaxConcurrentUploads { get; init; } = 5;

    /// <summary>
    /// Blobs up to this size are uploaded with one PUT; larger ones in PATCH chunks of this size (each held in memory
    /// once, so a failed chunk can be sent again).
    /// </summary>
    public int UploadChunkSize { get; init; } = 16 << 20;

    /// <summary>Which registries may be used and how (insecure, extra CAs, whitelist, blacklist, mirrors).</summary>
    public RegistryPolicy Registries { get; init; } = new();

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentUploads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(UploadChunkSize, 1);
        ArgumentNullException.ThrowIfNull(Registries);
        Registries.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentDownloads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBaseDelay, TimeSpan.Zero);
    }
}
