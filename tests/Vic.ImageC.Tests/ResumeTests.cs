using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>Resuming broken blob downloads with Range requests, against the fake registry's failure injection.</summary>
public sealed class ResumeTests : RegistryHarnessTests
{
    /// <summary>A layer of random bytes, so that gzip leaves it about as large as it is.</summary>
    internal static byte[] RandomTar(int size, int seed)
    {
        byte[] content = new byte[size];
        new Random(seed).NextBytes(content);
        using var tar = new MemoryStream();
        using (var layer = new LayerTarBuilder(tar))
        {
            layer.File("random.bin", content);
        }
        return tar.ToArray();
    }

    [Fact]
    public async Task A_dropped_connection_is_resumed_from_the_bytes_received()
    {
        byte[] tar = RandomTar(200_000, 1);
        var published = RegistryImages.Publish(_registry, "resume", "latest", [tar]);
        string layer = published.LayerDigests[0];
        _registry.TruncateNext(layer, 50_000);
        _registry.TruncateNext(layer, 60_000);

        var (image, _) = await _harness.PullAsync($"{_registry.HostPort}/resume");

        Assert.Equal(published.ConfigDigest, image.Id);
        Assert.Equal(tar, _harness.Layers.TarOf(image.TopLayerId!));
        Assert.Equal(3, _registry.RequestsFor("/blobs/" + layer));
        Assert.Equal([$"/v2/resume/blobs/{layer} bytes=50000-", $"/v2/resume/blobs/{layer} bytes=110000-"], _registry.RangeRequests);
        Assert.Equal(layer, TestImages.Digest(File.ReadAllBytes(Assert.Single(_harness.KeptBlobs))));
    }

    [Fact]
    public async Task A_registry_that_ignores_ranges_gets_the_whole_blob_again()
    {
        byte[] tar = RandomTar(100_000, 2);
        var published = RegistryImages.Publish(_registry, "norange", "latest", [tar]);
        string layer = published.LayerDigests[0];
        _registry.ServesRanges = false;
        _registry.TruncateNext(layer, 30_000);

        var (image, _) = await _harness.PullAsync($"{_registry.HostPort}/norange");

        Assert.Equal(tar, _harness.Layers.TarOf(image.TopLayerId!));
        Assert.Equal(2, _registry.RequestsFor("/blobs/" + layer));
        Assert.Equal([$"/v2/norange/blobs/{layer} bytes=30000-"], _registry.RangeRequests);
        Assert.Equal(layer, TestImages.Digest(File.ReadAllBytes(Assert.Single(_harness.KeptBlobs))));
    }

    [Fact]
    public async Task A_range_other_than_the_one_asked_for_falls_back_to_a_full_download()
    {
        byte[] tar = RandomTar(100_000, 3);
        var published = RegistryImages.Publish(_registry, "wrongrange", "latest", [tar]);
        string layer = published.LayerDigests[0];
        _registry.TruncateNext(layer, 30_000);
        _registry.WrongRangeNext(layer);

        var (image, _) = await _harness.PullAsync($"{_registry.HostPort}/wrongrange");

        Assert.Equal(tar, _harness.Layers.TarOf(image.TopLayerId!));
        // The dropped one, the resume answered from byte 0 (refused), and a plain GET.
        Assert.Equal(3, _registry.RequestsFor("/blobs/" + layer));
        Assert.Equal([$"/v2/wrongrange/blobs/{layer} bytes=30000-"], _registry.RangeRequests);
        Assert.Equal(layer, TestImages.Digest(File.ReadAllBytes(Assert.Single(_harness.KeptBlobs))));
    }
}
