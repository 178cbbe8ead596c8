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

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentDownloads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBaseDelay, TimeSpan.Zero);
    }
}
