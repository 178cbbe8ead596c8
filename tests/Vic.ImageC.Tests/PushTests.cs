using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>docker push against Debian's docker-registry (anonymous, loopback), read back over plain HTTP and by pulling.</summary>
public sealed class PushTests(TestRegistry registry) : IClassFixture<TestRegistry>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vic-push-").FullName;
    private readonly Harness _harness = new();

    public void Dispose()
    {
        _harness.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Pushing_a_pulled_image_to_another_repository_mounts_its_blobs_and_keeps_its_manifest_digest()
    {
        var multi = TestImages.BuildMultiLayer(Path.Combine(_work, "multi"));
        await registry.PushAsync(multi, "origin/multi", "v1");
        var (pulled, pullProgress) = await _harness.PullAsync($"{registry.HostPort}/origin/multi:v1");
        string pulledDigest = pullProgress.Messages.Single(m => m.Status.StartsWith("Digest: ", StringComparison.Ordinal)).Status["Digest: ".Length..];
        await _harness.Service.TagAsync($"{registry.HostPort}/origin/multi:v1", $"{registry.HostPort}/copy/multi:v2", default);

        var (pushed, progress) = await _harness.PushAsync($"{registry.HostPort}/copy/multi", "v2");

        Assert.Equal(pulledDigest, pushed.Single().Digest);
        string[] layerIds = pulled.DiffIds.Select(d => d[7..19]).ToArray();
        foreach (string id in layerIds)
        {
            Assert.Equal(["Preparing", "Mounted from origin/multi"], progress.Statuses(id));
        }
        // dockerd lists the top layer first.
        Assert.Equal(layerIds.Reverse(), progress.Messages.Where(m => m.Status == "Preparing").Select(m => m.Id));
        Assert.Equal($"v2: digest: {pulledDigest} size: {pushed[0].Size}", progress.Messages[^2].Status);
        Assert.Equal(new PushedImage("v2", pulledDigest, pushed[0].Size), progress.Messages[^1].Pushed);
        var record = await _harness.Service.FindAsync($"{registry.HostPort}/copy/multi:v2", default);
        Assert.Contains($"{registry.HostPort}/copy/multi@{pulledDigest}", record!.RepoDigests);

        var (_, again) = await _harness.PushAsync($"{registry.HostPort}/copy/multi", "v2");
        Assert.All(layerIds, id => Assert.Equal("Layer already exists", again.Statuses(id)[^1]));
    }

    [Fact]
    public async Task A_loaded_image_is_pushed_in_chunks_and_pulls_back_identical()
    {
        using var chunked = new Harness(configure: o => o with { UploadChunkSize = 64 * 1024 });
        var busybox = TestImages.BuildBusybox(Path.Combine(_work, "busybox"));
        string repo = $"{registry.HostPort}/chunked/busybox";
        await chunked.LoadAsync(busybox, _work, repo + ":latest");

        var (pushed, progress) = await chunked.PushAsync(repo, null);

        string layerId = busybox.DiffIds[0][7..19];
        Assert.Equal("Pushed", progress.Statuses(layerId)[^1]);
        Assert.True(progress.Statuses(layerId).Count(s => s == "Pushing") > 1, "a layer larger than the chunk size reports per-chunk progress");
        var (image, _) = await _harness.PullAsync(repo);
        Assert.Equal(busybox.ImageId, image.Id);
        Assert.Equal(TestImages.BusyboxLayer(), _harness.Layers.TarOf(image.TopLayerId!));
        Assert.Equal([$"{repo}@{pushed.Single().Digest}"], image.RepoDigests);
    }

    [Fact]
    public async Task Pushing_a_tag_that_does_not_exist_locally_is_refused_as_dockerd_words_it()
    {
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => _harness.PushAsync($"{registry.HostPort}/nothing", "latest"));
        Assert.Equal($"An image does not exist locally with the tag: {registry.HostPort}/nothing", missing.Message);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _harness.PushAsync($"{registry.HostPort}/Bad", "latest"));
    }

    [Fact]
    public async Task A_pulled_zstd_image_pushed_elsewhere_keeps_its_blobs_media_types_and_manifest_digest()
    {
        const string zstdLayer = "application/vnd.oci.image.layer.v1.tar+zstd";
        var image = TestImages.Build(Path.Combine(_work, "zstd"), "latest", [TestImages.BusyboxLayer(), TestImages.SecondLayer()],
            compress: t => new ZstdSharp.Compressor().Wrap(t).ToArray(), layerMediaType: zstdLayer);
        await registry.PushAsync(image, "origin/zstd", "v1");
        var (_, pullProgress) = await _harness.PullAsync($"{registry.HostPort}/origin/zstd:v1");
        string pulledDigest = pullProgress.Messages.Single(m => m.Status.StartsWith("Digest: ", StringComparison.Ordinal)).Status["Digest: ".Length..];
        using var other = new TestRegistry();
        await _harness.Service.TagAsync($"{registry.HostPort}/origin/zstd:v1", $"{registry.HostPort}/copy/zstd:v1", default);
        await _harness.Service.TagAsync($"{registry.HostPort}/origin/zstd:v1", $"{other.HostPort}/moved/zstd:v1", default);

        // Same registry: the blobs are mounted. Another registry: they are uploaded as they were pulled, still zstd.
        var (mounted, mountProgress) = await _harness.PushAsync($"{registry.HostPort}/copy/zstd", "v1");
        var (uploaded, uploadProgress) = await _harness.PushAsync($"{other.HostPort}/moved/zstd", "v1");

        Assert.Equal(pulledDigest, mounted.Single().Digest);
        Assert.Equal(pulledDigest, uploaded.Single().Digest);
        Assert.All(image.DiffIds, d => Assert.Equal("Mounted from origin/zstd", mountProgress.Statuses(d[7..19])[^1]));
        Assert.All(image.DiffIds, d => Assert.Equal("Pushed", uploadProgress.Statuses(d[7..19])[^1]));
        using var http = new HttpClient();
        foreach (var (where, repository) in new[] { (registry, "copy/zstd"), (other, "moved/zstd") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(where.BaseUri, $"v2/{repository}/manifests/v1"));
            request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
            using var response = await http.SendAsync(request);
            byte[] manifest = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(pulledDigest, TestImages.Digest(manifest));
            var layers = System.Text.Json.Nodes.JsonNode.Parse(manifest)!["layers"]!.AsArray();
            Assert.Equal(Enumerable.Repeat(zstdLayer, 2), layers.Select(l => (string)l!["mediaType"]!));
            Assert.Equal(image.LayerDigests, layers.Select(l => (string)l!["digest"]!));
            foreach (string digest in image.LayerDigests)
            {
                byte[] blob = await http.GetByteArrayAsync(new Uri(where.BaseUri, $"v2/{repository}/blobs/{digest}"));
                Assert.Equal(digest, TestImages.Digest(blob));
            }
        }
        using var second = new Harness();
        var (back, _) = await second.PullAsync($"{other.HostPort}/moved/zstd:v1");
        Assert.Equal(image.ImageId, back.Id);
        Assert.Equal(TestImages.SecondLayer(), second.Layers.TarOf(back.TopLayerId!));
    }
}
