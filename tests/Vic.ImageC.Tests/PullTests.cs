using System.Net;
using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

public sealed class PullTests : RegistryHarnessTests
{
    [Fact]
    public async Task Pull_writes_layers_in_order_and_records_the_image()
    {
        byte[] bottom = Harness.Tar("a.txt", "a"), top = Harness.Tar("b.txt", "b");
        var published = RegistryImages.Publish(_registry, "team/app", "v1", [bottom, top], new TestImageConfig { Cmd = ["echo", "hi"], User = "app" });

        var (image, progress) = await _harness.PullAsync($"{_registry.HostPort}/team/app:v1");

        Assert.Equal(published.ConfigDigest, image.Id);
        Assert.Equal([$"{_registry.HostPort}/team/app:v1"], image.RepoTags);
        Assert.Equal([$"{_registry.HostPort}/team/app@{published.ManifestDigest}"], image.RepoDigests);
        Assert.Equal(["echo", "hi"], image.Config.Cmd);
        Assert.Equal("app", image.Config.User);
        Assert.Equal(published.DiffIds, image.DiffIds);
        Assert.Equal(bottom.Length + top.Length, image.Size);
        Assert.Equal(LayerTarBuilder.Epoch, image.Created);
        string bottomChain = published.DiffIds[0];
        Assert.Equal(bottom, _harness.Layers.TarOf(bottomChain));
        Assert.Equal(top, _harness.Layers.TarOf(image.TopLayerId!));
        Assert.Equal(bottomChain, _harness.Layers.ParentOf(image.TopLayerId!));
        Assert.Null(_harness.Layers.ParentOf(bottomChain));

        string layerId = published.LayerDigests[0][7..19];
        Assert.Equal("Pulling from team/app", progress.Messages[0].Status);
        Assert.Equal("v1", progress.Messages[0].Id);
        var statuses = progress.Statuses(layerId).Distinct().ToList();
        Assert.Equal(["Pulling fs layer", "Downloading", "Verifying Checksum", "Download complete", "Extracting", "Pull complete"], statuses);
        var downloading = progress.Messages.Last(m => m.Id == layerId && m.Status == "Downloading");
        Assert.Equal(downloading.Total, downloading.Current);
        Assert.Equal($"Digest: {published.ManifestDigest}", progress.Messages[^2].Status);
        Assert.Equal($"Status: Downloaded newer image for {_registry.HostPort}/team/app:v1", progress.Messages[^1].Status);
        Assert.Empty(_harness.TempFiles);
        Assert.Equal(2, _harness.KeptBlobs.Length);
    }

    [Fact]
    public async Task Second_pull_reuses_layers_and_is_up_to_date()
    {
        byte[] shared = Harness.Tar("shared", "s");
        RegistryImages.Publish(_registry, "one", "latest", [shared]);
        var two = RegistryImages.Publish(_registry, "two", "latest", [shared, Harness.Tar("extra", "e")]);
        await _harness.PullAsync($"{_registry.HostPort}/one");

        var (_, progress) = await _harness.PullAsync($"{_registry.HostPort}/two");
        Assert.Equal(["Already exists"], progress.Statuses(two.LayerDigests[0][7..19]));
        Assert.Equal(1, _registry.RequestsFor("/blobs/" + two.LayerDigests[0]));
        Assert.Equal(2, _harness.Layers.Writes);

        var (_, again) = await _harness.PullAsync($"{_registry.HostPort}/two:latest");
        Assert.All(two.LayerDigests, d => Assert.Equal(["Already exists"], again.Statuses(d[7..19])));
        Assert.Equal($"Status: Image is up to date for {_registry.HostPort}/two:latest", again.Messages[^1].Status);
        Assert.Equal(2, _harness.Layers.Writes);
    }

    [Fact]
    public async Task Concurrent_pulls_sharing_a_new_layer_write_it_once()
    {
        byte[] shared = Harness.Tar("shared", "s");
        RegistryImages.Publish(_registry, "one", "latest", [shared, Harness.Tar("1", "1")]);
        RegistryImages.Publish(_registry, "two", "latest", [shared, Harness.Tar("2", "2")]);

        await Task.WhenAll(_harness.PullAsync($"{_registry.HostPort}/one"), _harness.PullAsync($"{_registry.HostPort}/two"));

        Assert.Equal(3, _harness.Layers.Writes);
        Assert.Equal(2, (await _harness.Service.ListAsync(default)).Count);
    }

    [Fact]
    public async Task Pull_by_digest_records_only_the_digest()
    {
        var published = RegistryImages.Publish(_registry, "app", "latest", [Harness.Tar("f", "x")]);
        var (image, progress) = await _harness.PullAsync($"{_registry.HostPort}/app@{published.ManifestDigest}");

        Assert.Empty(image.RepoTags);
        Assert.Equal([$"{_registry.HostPort}/app@{published.ManifestDigest}"], image.RepoDigests);
        Assert.Equal(published.ManifestDigest, progress.Messages[0].Id);
        Assert.Equal($"Status: Downloaded newer image for {_registry.HostPort}/app@{published.ManifestDigest}", progress.Messages[^1].Status);
    }

    [Fact]
    public async Task Manifest_lists_resolve_to_the_asked_platform()
    {
        var amd = RegistryImages.Publish(_registry, "multi", null, [Harness.Tar("arch", "amd64")]);
        var arm = RegistryImages.Publish(_registry, "multi", null, [Harness.Tar("arch", "arm64")], new TestImageConfig { Architecture = "arm64" });
        string listDigest = _registry.AddManifest("multi", "latest", RegistryImages.Index((arm.Manifest, "linux", "arm64"), (amd.Manifest, "linux", "amd64")),
            "application/vnd.oci.image.index.v1+json");

        var (image, progress) = await _harness.PullAsync($"{_registry.HostPort}/multi");
        Assert.Equal(amd.ConfigDigest, image.Id);
        Assert.Equal([$"{_registry.HostPort}/multi@{listDigest}"], image.RepoDigests);
        Assert.Contains(progress.Messages, m => m.Status == $"Digest: {listDigest}");

        var (armImage, _) = await _harness.PullAsync($"{_registry.HostPort}/multi", "linux/aarch64");
        Assert.Equal(arm.ConfigDigest, armImage.Id);
        Assert.Equal("arm64", armImage.Architecture);

        var error = await Assert.ThrowsAsync<NotFoundException>(() => _harness.PullAsync($"{_registry.HostPort}/multi", "linux/s390x"));
        Assert.Equal("no matching manifest for linux/s390x in the manifest list entries", error.Message);
    }

    [Fact]
    public async Task Zstd_layers_are_decompressed()
    {
        byte[] tar = Harness.Tar("z", "zstd content");
        var published = RegistryImages.Publish(_registry, "zstd", "latest", [tar],
            compress: t => new ZstdSharp.Compressor().Wrap(t).ToArray(), layerMediaType: "application/vnd.oci.image.layer.v1.tar+zstd");

        var (image, _) = await _harness.PullAsync($"{_registry.HostPort}/zstd");
        Assert.Equal(published.ConfigDigest, image.Id);
        Assert.Equal(tar, _harness.Layers.TarOf(image.TopLayerId!));
    }

    [Fact]
    public async Task Transient_server_errors_and_truncated_bodies_are_retried()
    {
        var published = RegistryImages.Publish(_registry, "flaky", "latest", [Harness.Tar("f", new string('x', 100_000))]);
        _registry.FailNext("/manifests/latest", 1, HttpStatusCode.ServiceUnavailable);
        _registry.FailNext("/blobs/" + published.LayerDigests[0], 1, HttpStatusCode.BadGateway);
        _registry.TruncateNext(published.LayerDigests[0]);

        var (image, _) = await _harness.PullAsync($"{_registry.HostPort}/flaky");

        Assert.Equal(published.ConfigDigest, image.Id);
        Assert.Equal(2, _registry.RequestsFor("/manifests/latest"));
        Assert.Equal(3, _registry.RequestsFor("/blobs/" + published.LayerDigests[0]));
    }

    [Fact]
    public async Task Persistent_server_errors_fail_with_the_status()
    {
        RegistryImages.Publish(_registry, "down", "latest", [Harness.Tar("f", "x")]);
        _registry.FailNext("/manifests/latest", 10, HttpStatusCode.InternalServerError);

        var error = await Assert.ThrowsAsync<UnavailableException>(() => _harness.PullAsync($"{_registry.HostPort}/down"));
        Assert.Equal("received unexpected HTTP status: 500 Internal Server Error", error.Message);
        Assert.Equal(5, _registry.RequestsFor("/manifests/latest"));
    }

    [Fact]
    public async Task A_registry_that_keeps_failing_its_ping_is_unavailable()
    {
        _registry.FailNext("/v2/", 10, HttpStatusCode.ServiceUnavailable);

        var error = await Assert.ThrowsAsync<UnavailableException>(() => _harness.PullAsync($"{_registry.HostPort}/any"));
        Assert.Equal("received unexpected HTTP status: 503 Service Unavailable", error.Message);
    }

    [Fact]
    public async Task Corrupt_blob_fails_the_pull_and_keeps_nothing()
    {
        var published = RegistryImages.Publish(_registry, "bad", "latest", [Harness.Tar("a", "a"), Harness.Tar("b", "b")]);
        byte[] flipped = TestImages.Gzip(Harness.Tar("b", "b"));
        flipped[^5] ^= 0xff;
        _registry.Corrupt(published.LayerDigests[1], flipped);

        var error = await Assert.ThrowsAsync<InternalException>(() => _harness.PullAsync($"{_registry.HostPort}/bad"));

        Assert.Equal($"filesystem layer verification failed for digest {published.LayerDigests[1]}", error.Message);
        AssertNothingKept();

        _registry.Corrupt(published.LayerDigests[1], TestImages.Gzip(Harness.Tar("b", new string('e', 4096))));
        error = await Assert.ThrowsAsync<InternalException>(() => _harness.PullAsync($"{_registry.HostPort}/bad"));
        Assert.StartsWith($"filesystem layer verification failed for digest {published.LayerDigests[1]}", error.Message);
        AssertNothingKept();
    }

    [Fact]
    public async Task Diff_id_mismatch_fails_the_pull_and_rolls_back_written_layers()
    {
        byte[] good = Harness.Tar("a", "a"), bad = Harness.Tar("b", "b");
        string wrong = TestImages.Digest(Harness.Tar("b", "not b"));
        RegistryImages.Publish(_registry, "lies", "latest", [good, bad], claimedDiffIds: [TestImages.Digest(good), wrong]);

        var error = await Assert.ThrowsAsync<InternalException>(() => _harness.PullAsync($"{_registry.HostPort}/lies"));

        Assert.StartsWith("layers from manifest don't match image configuration", error.Message);
        AssertNothingKept();
    }

    [Fact]
    public async Task Failed_layer_write_rolls_back_the_layers_below()
    {
        var published = RegistryImages.Publish(_registry, "fails", "latest", [Harness.Tar("a", "a"), Harness.Tar("b", "b")]);
        string top = Vic.ImageC.Digests.ChainIds.Compute(published.DiffIds)[1];
        _harness.Layers.FailWriteOf = top;

        await Assert.ThrowsAsync<InternalException>(() => _harness.PullAsync($"{_registry.HostPort}/fails"));
        AssertNothingKept();
    }

    [Fact]
    public async Task Cancelled_pull_keeps_nothing()
    {
        var published = RegistryImages.Publish(_registry, "slow", "latest", [Harness.Tar("a", "a"), Harness.Tar("b", "b")]);
        string top = Vic.ImageC.Digests.ChainIds.Compute(published.DiffIds)[1];
        using var cancel = new CancellationTokenSource();
        _harness.Layers.BeforeWrite = id =>
        {
            if (id == top)
            {
                cancel.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _harness.Service.PullAsync($"{_registry.HostPort}/slow", null, new RecordingProgress(), cancel.Token));
        AssertNothingKept();
    }

    [Fact]
    public async Task Registry_refusals_are_worded_like_dockerd()
    {
        RegistryImages.Publish(_registry, "app", "latest", [Harness.Tar("f", "x")]);
        _registry.Repositories.Add("private");
        _registry.Protected.Add("private");

        var unknownTag = await Assert.ThrowsAsync<NotFoundException>(() => _harness.PullAsync($"{_registry.HostPort}/app:nope"));
        Assert.Equal($"manifest for {_registry.HostPort}/app:nope not found: manifest unknown: manifest unknown", unknownTag.Message);

        var unknownRepo = await Assert.ThrowsAsync<NotFoundException>(() => _harness.PullAsync($"{_registry.HostPort}/nothing"));
        Assert.Equal($"pull access denied for {_registry.HostPort}/nothing, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", unknownRepo.Message);

        var denied = await Assert.ThrowsAsync<NotFoundException>(() => _harness.PullAsync($"{_registry.HostPort}/private:1"));
        Assert.StartsWith($"pull access denied for {_registry.HostPort}/private,", denied.Message);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => _harness.PullAsync($"{_registry.HostPort}/Upper"));
        Assert.Empty(await _harness.Service.ListAsync(default));
    }

    [Fact]
    public async Task Schema_1_manifests_are_refused()
    {
        _registry.AddManifest("old", "latest", """{"schemaVersion":1,"name":"old","tag":"latest","fsLayers":[]}"""u8.ToArray(),
            "application/vnd.docker.distribution.manifest.v1+prettyjws");
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => _harness.PullAsync($"{_registry.HostPort}/old"));
        Assert.Contains("schema 1, which is no longer supported", error.Message);
    }

    [Fact]
    public async Task Connection_refused_is_reported_clearly_and_quickly()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<UnavailableException>(() => _harness.PullAsync($"127.0.0.1:{port}/busybox"));
        Assert.Equal($"Get \"http://127.0.0.1:{port}/v2/\": dial tcp 127.0.0.1:{port}: connect: connection refused", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    private void AssertNothingKept()
    {
        Assert.Empty(_harness.Layers.LayerIds);
        Assert.DoesNotContain(_harness.Metadata.Keys, k => k.StartsWith("images/", StringComparison.Ordinal) || k.StartsWith("diffs/", StringComparison.Ordinal));
        Assert.Empty(_harness.TempFiles);
        Assert.Empty(_harness.KeptBlobs);
    }
}
