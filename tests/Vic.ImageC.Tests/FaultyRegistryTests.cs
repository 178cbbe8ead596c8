using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>
/// Pulls from Debian's docker-registry through <see cref="FaultyProxy"/>: broken connections resumed with Range
/// requests the real registry answers, 5xx retried, a flipped byte caught by the digest check.
/// </summary>
public sealed class FaultyRegistryTests(TestRegistry registry) : IClassFixture<TestRegistry>, IAsyncLifetime
{
    private const int LayerBytes = 1 << 20;

    private readonly Harness _harness = new();
    private readonly string _layouts = Directory.CreateTempSubdirectory("vic-faulty-").FullName;
    private FaultyProxy _proxy = null!;

    public async Task InitializeAsync() => _proxy = await FaultyProxy.StartAsync(registry.BaseUri);

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _harness.Dispose();
        Directory.Delete(_layouts, recursive: true);
    }

    /// <summary>An image of one random 1 MiB layer (gzip leaves it about that size), pushed as repository:latest.</summary>
    private async Task<(OciImage Image, long LayerSize)> PublishAsync(string repository, int seed)
    {
        var image = TestImages.Build(Path.Combine(_layouts, repository), "latest", [ResumeTests.RandomTar(LayerBytes, seed)]);
        await registry.PushAsync(image, repository);
        return (image, new FileInfo(image.BlobPath(image.LayerDigests[0])).Length);
    }

    [Fact]
    public async Task A_connection_dropped_mid_layer_is_resumed_with_a_range()
    {
        var (image, size) = await PublishAsync("faulty/resume", 11);
        string blob = "/blobs/" + image.LayerDigests[0];
        _proxy.DropAfter(blob, size / 2);
        _proxy.Truncate(blob, size / 4);

        var (pulled, progress) = await _harness.PullAsync($"{_proxy.HostPort}/faulty/resume");

        Assert.Equal(image.ImageId, pulled.Id);
        Assert.Equal($"Status: Downloaded newer image for {_proxy.HostPort}/faulty/resume:latest", progress.Messages[^1].Status);
        var requests = _proxy.RequestsFor(blob);
        Assert.Equal(3, requests.Count);
        Assert.Null(requests[0].Range);
        Assert.Equal($"bytes={size / 2}-", requests[1].Range);
        Assert.Equal(206, requests[1].Status);
        Assert.Equal($"bytes={size / 2 + size / 4}-", requests[2].Range);
        Assert.Equal($"bytes {size / 2 + size / 4}-{size - 1}/{size}", requests[2].ContentRange);
        // Only what was lost is sent again: the layer crossed the proxy about once, far from twice.
        Assert.Equal(size, _proxy.BytesSentFor(blob));
    }

    [Fact]
    public async Task Server_errors_are_retried_with_back_off()
    {
        var (image, _) = await PublishAsync("faulty/errors", 12);
        string blob = "/blobs/" + image.LayerDigests[0];
        _proxy.Fail("/manifests/latest", 502);
        _proxy.Fail(blob, 503, times: 2);

        var (pulled, _) = await _harness.PullAsync($"{_proxy.HostPort}/faulty/errors");

        Assert.Equal(image.ImageId, pulled.Id);
        Assert.Equal([502, 200], _proxy.RequestsFor("/manifests/latest").Select(r => r.Status));
        Assert.Equal([503, 503, 200], _proxy.RequestsFor(blob).Select(r => r.Status));
    }

    [Fact]
    public async Task A_flipped_byte_fails_the_pull_with_the_digest_error_and_keeps_nothing()
    {
        var (image, size) = await PublishAsync("faulty/corrupt", 13);
        string blob = "/blobs/" + image.LayerDigests[0];
        // The byte is flipped in the resumed part: the digest covers the bytes of both answers.
        _proxy.DropAfter(blob, size / 3);
        _proxy.FlipByte(blob, size / 2);

        var error = await Assert.ThrowsAsync<InternalException>(() => _harness.PullAsync($"{_proxy.HostPort}/faulty/corrupt"));

        Assert.Equal($"filesystem layer verification failed for digest {image.LayerDigests[0]}", error.Message);
        Assert.Equal(2, _proxy.RequestsFor(blob).Count);
        Assert.Equal($"bytes={size / 3}-", _proxy.RequestsFor(blob)[1].Range);
        Assert.Empty(_harness.Layers.LayerIds);
        Assert.DoesNotContain(_harness.Metadata.Keys, k => k.StartsWith("images/", StringComparison.Ordinal) || k.StartsWith("diffs/", StringComparison.Ordinal));
        Assert.Empty(_harness.TempFiles);
        Assert.Empty(_harness.KeptBlobs);
        Assert.Empty(await _harness.Service.ListAsync(default));
    }
}
