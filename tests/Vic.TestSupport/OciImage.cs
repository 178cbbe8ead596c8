namespace Vic.TestSupport;

/// <summary>An image written as an OCI image layout directory by <see cref="TestImages"/>.</summary>
/// <param name="LayoutDirectory">The layout (oci-layout, index.json, blobs/sha256/...).</param>
/// <param name="Tag">The tag it is recorded under in index.json (org.opencontainers.image.ref.name).</param>
/// <param name="LayerDigests">Digests of the gzip layer blobs, bottom first.</param>
/// <param name="DiffIds">sha256 of each uncompressed layer tar, bottom first.</param>
public sealed record OciImage(
    string LayoutDirectory,
    string Tag,
    string ManifestDigest,
    string ConfigDigest,
    IReadOnlyList<string> LayerDigests,
    IReadOnlyList<string> DiffIds)
{
    /// <summary>The image ID a Docker engine gives it (the config digest).</summary>
    public string ImageId => ConfigDigest;

    /// <summary>Path of a blob of this layout.</summary>
    public string BlobPath(string digest) => Path.Combine(LayoutDirectory, "blobs", "sha256", digest["sha256:".Length..]);

    /// <summary>skopeo's name for this image: "oci:&lt;dir&gt;:&lt;tag&gt;".</summary>
    public string SkopeoSource => $"oci:{LayoutDirectory}:{Tag}";
}

/// <summary>The runtime config written into a test image.</summary>
public sealed record TestImageConfig
{
    public IReadOnlyList<string> Env { get; init; } = [TestImages.DefaultPath];
    public IReadOnlyList<string>? Cmd { get; init; } = ["sh"];
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public string WorkingDir { get; init; } = "";
    public string User { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string Architecture { get; init; } = "amd64";
    public string Os { get; init; } = "linux";
}
