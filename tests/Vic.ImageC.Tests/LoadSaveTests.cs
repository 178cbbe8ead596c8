using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

public sealed class LoadSaveTests : IAsyncLifetime
{
    private FakeRegistry _registry = null!;
    private readonly Harness _source = new();
    private readonly Harness _target = new();

    public async Task InitializeAsync() => _registry = await FakeRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _source.Dispose();
        _target.Dispose();
    }

    [Fact]
    public async Task Save_then_load_round_trips_images_tags_and_layers()
    {
        byte[] bottom = Harness.Tar("a", "a"), top = Harness.Tar("b", "b");
        RegistryImages.Publish(_registry, "app", "v1", [bottom, top]);
        var (image, _) = await _source.PullAsync($"{_registry.HostPort}/app:v1");
        await _source.Service.TagAsync(image.Id, "app:extra", default);
        RegistryImages.Publish(_registry, "other", "latest", [bottom]);
        var (other, _) = await _source.PullAsync($"{_registry.HostPort}/other");

        using var archive = new MemoryStream();
        await _source.Service.SaveAsync([$"{_registry.HostPort}/app:v1", "app", other.Id[7..19]], archive, default);
        archive.Position = 0;
        var progress = new RecordingProgress();
        var lines = await _target.Service.LoadAsync(archive, progress, default);

        Assert.Equal([$"Loaded image: {_registry.HostPort}/app:v1", "Loaded image: app:extra", $"Loaded image ID: {other.Id}"], lines);
        var loaded = await _target.Service.FindAsync("app:extra", default);
        Assert.Equal(image.Id, loaded!.Id);
        Assert.Equal(image.DiffIds, loaded.DiffIds);
        Assert.Equal(image.Size, loaded.Size);
        Assert.Equal(top, _target.Layers.TarOf(loaded.TopLayerId!));
        Assert.Equal(bottom, _target.Layers.TarOf(other.TopLayerId!));
        Assert.Equal(2, _target.Layers.Writes);
        Assert.Contains(progress.Messages, m => m.Status == "Loading layer" && m.Id == loaded.TopLayerId![7..19] && m.Current == top.Length);
        Assert.Empty(_target.TempFiles);

        // Loading again moves nothing; a tag pointing elsewhere is announced as renamed.
        await _target.Service.TagAsync(other.Id, "app:extra", default);
        archive.Position = 0;
        lines = await _target.Service.LoadAsync(archive, new RecordingProgress(), default);
        Assert.Contains($"The image app:extra already exists, renaming the old one with ID {other.Id} to empty string", lines);
        Assert.Equal(2, _target.Layers.Writes);
    }

    [Fact]
    public async Task Loads_gzip_compressed_archives_and_oci_layouts()
    {
        string layout = Directory.CreateTempSubdirectory("vic-oci-").FullName;
        try
        {
            byte[] layer = Harness.Tar("oci", "layout");
            var image = TestImages.Build(layout, "latest", [layer]);
            using var archive = new MemoryStream();
            using (var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true))
            {
                await TarFile.CreateFromDirectoryAsync(layout, gzip, includeBaseDirectory: false);
            }
            archive.Position = 0;

            var lines = await _target.Service.LoadAsync(archive, new RecordingProgress(), default);

            // skopeo-style layouts name only a tag, no repository: the image loads untagged.
            Assert.Equal([$"Loaded image ID: {image.ImageId}"], lines);
            Assert.Equal(layer, _target.Layers.TarOf(image.DiffIds[0]));
        }
        finally
        {
            Directory.Delete(layout, recursive: true);
        }
    }

    [Fact]
    public async Task Diff_id_mismatch_on_load_keeps_nothing()
    {
        byte[] good = Harness.Tar("a", "a"), bad = Harness.Tar("b", "b");
        byte[] config = TestImages.ConfigBytes(new TestImageConfig(), [TestImages.Digest(good), TestImages.Digest(Harness.Tar("b", "other"))]);
        using var archive = new MemoryStream();
        using (var writer = new TarWriter(archive, leaveOpen: true))
        {
            Add(writer, "config.json", config);
            Add(writer, "l0/layer.tar", good);
            Add(writer, "l1/layer.tar", TestImages.Gzip(bad));
            Add(writer, "manifest.json", Encoding.UTF8.GetBytes("""[{"Config":"config.json","RepoTags":["bad:1"],"Layers":["l0/layer.tar","./l1/layer.tar"]}]"""));
        }
        archive.Position = 0;

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => _target.Service.LoadAsync(archive, new RecordingProgress(), default));

        Assert.StartsWith("invalid diffID for layer 1: expected ", error.Message);
        Assert.Empty(_target.Layers.LayerIds);
        Assert.Empty(await _target.Service.ListAsync(default));
        Assert.Empty(_target.TempFiles);
        Assert.Empty(_target.KeptBlobs);
    }

    [Fact]
    public async Task Archives_without_a_manifest_are_refused()
    {
        using var archive = new MemoryStream();
        using (var writer = new TarWriter(archive, leaveOpen: true))
        {
            Add(writer, "hello.txt", "hi"u8.ToArray());
        }
        archive.Position = 0;
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => _target.Service.LoadAsync(archive, new RecordingProgress(), default));
        Assert.Contains("neither manifest.json", error.Message);

        await Assert.ThrowsAsync<InvalidArgumentException>(() => _target.Service.LoadAsync(new MemoryStream("not a tar at all, clearly"u8.ToArray()), new RecordingProgress(), default));
    }

    [Fact]
    public async Task Saving_a_missing_image_writes_nothing()
    {
        using var output = new MemoryStream();
        var error = await Assert.ThrowsAsync<NotFoundException>(() => _source.Service.SaveAsync(["nothing:here"], output, default));
        Assert.Equal("No such image: nothing:here", error.Message);
        Assert.Equal(0, output.Length);
    }

    private static void Add(TarWriter writer, string name, byte[] content) =>
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
}
