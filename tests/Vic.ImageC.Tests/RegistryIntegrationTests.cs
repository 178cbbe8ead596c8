using Vic.ImageC.Tests.Fakes;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>Against Debian's real docker-registry on loopback, with images built by TestImages and pushed by skopeo.</summary>
public sealed class RegistryIntegrationTests(TestRegistry registry) : IClassFixture<TestRegistry>, IDisposable
{
    private readonly Harness _harness = new();
    private readonly string _layouts = Directory.CreateTempSubdirectory("vic-layouts-").FullName;

    public void Dispose()
    {
        _harness.Dispose();
        Directory.Delete(_layouts, recursive: true);
    }

    [Fact]
    public async Task Pulls_busybox_and_then_only_the_new_layer_of_an_image_sharing_it()
    {
        var busybox = TestImages.BuildBusybox(Path.Combine(_layouts, "busybox"));
        var multi = TestImages.BuildMultiLayer(Path.Combine(_layouts, "multi"));
        await registry.PushAsync(busybox, "busybox");
        await registry.PushAsync(multi, "multi", "v2");

        var (image, progress) = await _harness.PullAsync($"{registry.HostPort}/busybox");

        Assert.Equal(busybox.ImageId, image.Id);
        Assert.Equal([$"{registry.HostPort}/busybox:latest"], image.RepoTags);
        string digest = progress.Messages.Single(m => m.Status.StartsWith("Digest: ", StringComparison.Ordinal)).Status["Digest: ".Length..];
        Assert.Equal([$"{registry.HostPort}/busybox@{digest}"], image.RepoDigests);
        Assert.Equal(["sh"], image.Config.Cmd);
        Assert.Equal([TestImages.DefaultPath], image.Config.Env);
        Assert.Equal(TestImages.BusyboxLayer(), _harness.Layers.TarOf(image.TopLayerId!));
        Assert.Equal("Pulling from busybox", progress.Messages[0].Status);
        Assert.Contains(progress.Messages, m => m.Status == "Pull complete");
        Assert.Equal($"Status: Downloaded newer image for {registry.HostPort}/busybox:latest", progress.Messages[^1].Status);

        var (layered, second) = await _harness.PullAsync($"{registry.HostPort}/multi:v2");

        Assert.Equal(multi.DiffIds, layered.DiffIds);
        Assert.Equal(["Already exists"], second.Statuses(multi.LayerDigests[0][7..19]));
        Assert.Contains("Pull complete", second.Statuses(multi.LayerDigests[1][7..19]));
        Assert.Equal(TestImages.SecondLayer(), _harness.Layers.TarOf(layered.TopLayerId!));
        Assert.Equal(image.TopLayerId, _harness.Layers.ParentOf(layered.TopLayerId!));
        Assert.Equal(2, _harness.Layers.Writes);
    }

    [Fact]
    public async Task Pulls_every_tag_the_registry_lists()
    {
        var busybox = TestImages.BuildBusybox(Path.Combine(_layouts, "busybox"));
        var multi = TestImages.BuildMultiLayer(Path.Combine(_layouts, "multi"));
        await registry.PushAsync(busybox, "alltags/app", "1.0");
        await registry.PushAsync(multi, "alltags/app", "2.0");
        var progress = new RecordingProgress();

        var images = await _harness.Service.PullAllTagsAsync($"{registry.HostPort}/alltags/app", null, RegistryCredentials.Anonymous, progress, default);

        // In the registry's order, which distribution 2.8 does not sort.
        Assert.Equal(new[] { busybox.ImageId, multi.ImageId }.Order(), images.Select(i => i.Id).Order());
        Assert.Equal(["1.0", "2.0"], progress.Messages.Where(m => m.Status == "Pulling from alltags/app").Select(m => m.Id!).Order());
        Assert.Equal($"Status: Downloaded newer image for {registry.HostPort}/alltags/app", progress.Messages[^1].Status);
        Assert.Equal(2, _harness.Layers.Writes);
    }

    [Fact]
    public async Task Loads_a_skopeo_docker_archive_and_round_trips_save_and_load()
    {
        var multi = TestImages.BuildMultiLayer(Path.Combine(_layouts, "multi"));
        string file = Path.Combine(_layouts, "multi.tar");
        await TestImages.SaveDockerArchiveAsync(multi, file, "loaded/multi", "v1");

        IReadOnlyList<string> lines;
        await using (var archive = File.OpenRead(file))
        {
            lines = await _harness.Service.LoadAsync(archive, new RecordingProgress(), default);
        }

        Assert.Equal(["Loaded image: loaded/multi:v1"], lines);
        var loaded = await _harness.Service.FindAsync("loaded/multi:v1", default);
        Assert.Equal(multi.DiffIds, loaded!.DiffIds);
        Assert.Equal(TestImages.SecondLayer(), _harness.Layers.TarOf(loaded.TopLayerId!));

        using var saved = new MemoryStream();
        await _harness.Service.SaveAsync(["loaded/multi"], saved, default);
        saved.Position = 0;
        using var other = new Harness();
        Assert.Equal(["Loaded image: loaded/multi:v1"], await other.Service.LoadAsync(saved, new RecordingProgress(), default));
        var reloaded = await other.Service.FindAsync("loaded/multi:v1", default);
        Assert.Equal(loaded.Id, reloaded!.Id);
        Assert.Equal(TestImages.BusyboxLayer(), other.Layers.TarOf(multi.DiffIds[0]));
    }
}
