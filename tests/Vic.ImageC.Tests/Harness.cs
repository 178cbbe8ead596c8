using System.Text;
using System.Text.Json.Nodes;
using Vic.ImageC.Tests.Fakes;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>An ImageService over in-memory fakes and a temp data directory, with fast retries.</summary>
internal sealed class Harness : IDisposable
{
    public Harness(string? dataDirectory = null, Func<ImageServiceOptions, ImageServiceOptions>? configure = null)
    {
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("vic-imagec-").FullName;
        var options = new ImageServiceOptions
        {
            DataDirectory = DataDirectory,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        };
        Service = new ImageService(Layers, Metadata, configure is null ? options : configure(options));
    }

    public RecordingLayerStore Layers { get; } = new();
    public InMemoryMetadataStore Metadata { get; } = new();
    public string DataDirectory { get; }
    public ImageService Service { get; }

    public string[] TempFiles => Directory.GetFileSystemEntries(Path.Combine(DataDirectory, "tmp"), "*", SearchOption.AllDirectories);
    public string[] KeptBlobs => Directory.GetFiles(Path.Combine(DataDirectory, "blobs", "sha256"));

    public async Task<(ImageRecord Image, RecordingProgress Progress)> PullAsync(string reference, string? platform = null)
    {
        var progress = new RecordingProgress();
        var image = await Service.PullAsync(reference, platform, progress, CancellationToken.None);
        return (image, progress);
    }

    public async Task<(ImageRecord Image, RecordingProgress Progress)> PullAsync(string reference, RegistryCredentials credentials)
    {
        var progress = new RecordingProgress();
        var image = await Service.PullAsync(reference, null, credentials, progress, CancellationToken.None);
        return (image, progress);
    }

    public async Task<(IReadOnlyList<PushedImage> Pushed, RecordingProgress Progress)> PushAsync(string name, string? tag, RegistryCredentials? credentials = null)
    {
        var progress = new RecordingProgress();
        var pushed = await Service.PushAsync(name, tag, credentials ?? RegistryCredentials.Anonymous, progress, CancellationToken.None);
        return (pushed, progress);
    }

    /// <summary>Loads a docker-save archive of <paramref name="image"/> (made by skopeo) and tags it <paramref name="reference"/>.</summary>
    public async Task LoadAsync(OciImage image, string archiveDirectory, string reference)
    {
        string file = Path.Combine(archiveDirectory, Guid.NewGuid().ToString("N") + ".tar");
        await TestImages.SaveDockerArchiveAsync(image, file, "loaded/image", "latest");
        await using (var archive = File.OpenRead(file))
        {
            await Service.LoadAsync(archive, new RecordingProgress(), default);
        }
        await Service.TagAsync("loaded/image:latest", reference, default);
        await Service.RemoveAsync("loaded/image:latest", false, (string _) => (ImageUser?)null, default);
    }

    public void Dispose()
    {
        Service.Dispose();
        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>A small uncompressed layer tar holding one file.</summary>
    public static byte[] Tar(string file, string content)
    {
        using var tar = new MemoryStream();
        using (var layer = new LayerTarBuilder(tar))
        {
            layer.File(file, content);
        }
        return tar.ToArray();
    }
}

/// <summary>An image published to a FakeRegistry.</summary>
internal sealed record PublishedImage(string ManifestDigest, string ConfigDigest, IReadOnlyList<string> LayerDigests, IReadOnlyList<string> DiffIds, byte[] Manifest);

internal static class RegistryImages
{
    /// <summary>
    /// Publishes an image made of <paramref name="tars"/> (gzip unless <paramref name="compress"/> says otherwise).
    /// <paramref name="claimedDiffIds"/> lets a test put wrong diff IDs into the config.
    /// </summary>
    public static PublishedImage Publish(
        FakeRegistry registry, string repository, string? tag, IReadOnlyList<byte[]> tars,
        TestImageConfig? config = null, IReadOnlyList<string>? claimedDiffIds = null, Func<byte[], byte[]>? compress = null,
        string layerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip")
    {
        var diffIds = tars.Select(TestImages.Digest).ToList();
        var blobs = tars.Select(compress ?? TestImages.Gzip).ToList();
        blobs.ForEach(registry.AddBlob);
        byte[] configBytes = TestImages.ConfigBytes(config ?? new TestImageConfig(), claimedDiffIds ?? diffIds);
        registry.AddBlob(configBytes);
        byte[] manifest = Manifest(configBytes, blobs, layerMediaType);
        string digest = registry.AddManifest(repository, tag, manifest, "application/vnd.oci.image.manifest.v1+json");
        return new PublishedImage(digest, TestImages.Digest(configBytes), blobs.Select(TestImages.Digest).ToList(), diffIds, manifest);
    }

    public static byte[] Manifest(byte[] config, IReadOnlyList<byte[]> blobs, string layerMediaType) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = new JsonArray(blobs.Select(b => (JsonNode)Descriptor(layerMediaType, b)).ToArray()),
        }.ToJsonString());

    /// <summary>An OCI index over (manifest, os, architecture) entries.</summary>
    public static byte[] Index(params (byte[] Manifest, string Os, string Architecture)[] entries) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(entries.Select(e =>
            {
                var descriptor = Descriptor("application/vnd.oci.image.manifest.v1+json", e.Manifest);
                descriptor["platform"] = new JsonObject { ["os"] = e.Os, ["architecture"] = e.Architecture };
                return (JsonNode)descriptor;
            }).ToArray()),
        }.ToJsonString());

    private static JsonObject Descriptor(string mediaType, byte[] content) =>
        new() { ["mediaType"] = mediaType, ["digest"] = TestImages.Digest(content), ["size"] = content.Length };
}
