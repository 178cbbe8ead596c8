using System.Text;
using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;

namespace Vic.ImageC.Tests;

public sealed class FindAndTagTests : RegistryHarnessTests
{
    [Fact]
    public async Task Finds_by_name_tag_digest_id_and_prefix()
    {
        var published = RegistryImages.Publish(_registry, "app", "latest", [Harness.Tar("f", "x")]);
        var (image, _) = await _harness.PullAsync($"{_registry.HostPort}/app");
        string hex = image.Id[7..];
        string[] names =
        [
            $"{_registry.HostPort}/app", $"{_registry.HostPort}/app:latest", $"{_registry.HostPort}/app@{published.ManifestDigest}",
            image.Id, hex, "sha256:" + hex[..12], hex[..12], hex[..1],
        ];
        foreach (string name in names)
        {
            Assert.Equal(image.Id, (await _harness.Service.FindAsync(name, default))?.Id);
        }
        Assert.Null(await _harness.Service.FindAsync($"{_registry.HostPort}/app:other", default));
        Assert.Null(await _harness.Service.FindAsync("busybox", default));
        Assert.Null(await _harness.Service.FindAsync(new string('f', 64), default));
        Assert.Null(await _harness.Service.FindAsync("", default));
        Assert.Null(await _harness.Service.FindAsync("Not A Name", default));
    }

    [Fact]
    public async Task Ambiguous_prefixes_find_nothing()
    {
        string first = "abc1" + new string('0', 60), second = "abc2" + new string('0', 60);
        await SeedAsync(first);
        await SeedAsync(second);

        Assert.Null(await _harness.Service.FindAsync("abc", default));
        Assert.Equal("sha256:" + first, (await _harness.Service.FindAsync("abc1", default))?.Id);
        Assert.Equal("sha256:" + second, (await _harness.Service.FindAsync("sha256:abc2", default))?.Id);
        Assert.Equal(2, (await _harness.Service.ListAsync(default)).Count);
    }

    [Fact]
    public async Task Tag_adds_references_and_validates_them()
    {
        RegistryImages.Publish(_registry, "app", "latest", [Harness.Tar("f", "x")]);
        var (image, _) = await _harness.PullAsync($"{_registry.HostPort}/app");

        await _harness.Service.TagAsync(image.Id[7..19], "myapp", default);
        await _harness.Service.TagAsync($"{_registry.HostPort}/app", "localhost:5000/team/app:v2", default);

        var tagged = await _harness.Service.FindAsync("myapp:latest", default);
        Assert.Equal([$"{_registry.HostPort}/app:latest", "localhost:5000/team/app:v2", "myapp:latest"], tagged!.RepoTags.Order(StringComparer.Ordinal));
        Assert.Equal("No such image: missing", (await Assert.ThrowsAsync<NotFoundException>(() => _harness.Service.TagAsync("missing", "x", default))).Message);
        Assert.Equal("refusing to create a tag with a digest reference",
            (await Assert.ThrowsAsync<InvalidArgumentException>(() => _harness.Service.TagAsync(image.Id, "x@" + image.Id, default))).Message);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _harness.Service.TagAsync(image.Id, "Bad", default));
    }

    private async Task SeedAsync(string hex)
    {
        await _harness.Metadata.PutAsync($"images/{hex}/config.json", Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"""), default);
        await _harness.Metadata.PutAsync($"images/{hex}/meta.json", Encoding.UTF8.GetBytes("""{"Layers":[],"Stored":"2024-01-01T00:00:00+00:00"}"""), default);
    }
}
