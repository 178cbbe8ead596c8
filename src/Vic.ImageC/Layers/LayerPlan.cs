namespace Vic.ImageC.Layers;

/// <summary>One layer of an image being imported, bottom layer = index 0.</summary>
/// <param name="ShortId">The 12-hex ID progress lines use for this layer.</param>
internal sealed record LayerPlan(int Index, string ChainId, string? ParentId, string DiffId, string ShortId);

/// <summary>A layer ready to be written: its verified uncompressed tar, and the blob worth keeping for save.</summary>
internal sealed record PreparedLayer(string TarPath, long TarSize, KeptBlob? Blob);

/// <summary>A verified blob in the operation's workspace, to be moved into the blob store on commit.</summary>
internal sealed record KeptBlob(string Path, string Digest, string MediaType, long Size);

/// <summary>What an import did: per layer, the tar size (0 when it existed already), the blob to keep, and whether it existed.</summary>
internal sealed record ImportResult(long[] TarSizes, KeptBlob?[] Blobs, bool[] Existed);

/// <summary>Progress callbacks of an import; pull and load word them differently.</summary>
internal interface ILayerProgress
{
    void Existing(LayerPlan layer);
    void Queued(LayerPlan layer);
    void Writing(LayerPlan layer, long current, long total);
    void Written(LayerPlan layer);
}
