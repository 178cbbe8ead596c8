using Vic.ImageC.Digests;
using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;

namespace Vic.ImageC.Tests;

public sealed class RemoveTests : IAsyncLifetime
{
    private const string Container = "0123abcd4567ef0123abcd4567ef0123abcd4567ef0123abcd4567ef01234567";
    private FakeRegistry _registry = null!;
    private readonly Harness _harness = new();
    private ImageRecord _image = null!;
    private PublishedImage _published = null!;
    private string _name = "";

    public async Task InitializeAsync()
    {
        _registry = await FakeRegistry.StartAsync();
        _published = RegistryImages.Publish(_registry, "busybox", "latest", [Harness.Tar("a", "a"), Harness.Tar("b", "b")]);
        _name = $"{_registry.HostPort}/busybox";
        (_image, _) = await _harness.PullAsync(_name);
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _harness.Dispose();
    }

    private string ShortId => _image.Id[7..19];

    private Task<IReadOnlyList<ImageDeleteItem>> RemoveAsync(string name, bool force = false, ImageUser? user = null) =>
        _harness.Service.RemoveAsync(name, force, (string _) => user, default);

    [Fact]
    public async Task Untags_while_other_tags_remain()
    {
        await _harness.Service.TagAsync(_name, "other:1", default);

        var records = await RemoveAsync("other:1");

        Assert.Equal([new ImageDeleteItem("other:1", null)], records);
        Assert.Equal([$"{_name}:latest"], (await _harness.Service.FindAsync(_image.Id, default))!.RepoTags);
    }

    [Fact]
    public async Task Removing_the_last_tag_deletes_image_layers_and_blobs()
    {
        var chain = ChainIds.Compute(_published.DiffIds);

        var records = await RemoveAsync(_name);

        Assert.Equal(
        [
            new ImageDeleteItem($"{_name}:latest", null),
            new ImageDeleteItem($"{_name}@{_published.ManifestDigest}", null),
            new ImageDeleteItem(null, _image.Id),
            // Each freed layer with its size, what a prune counts as reclaimed: a small file's tar is 2048 bytes
            // (header, one block of content, two end blocks).
            new ImageDeleteItem(null, chain[1]) { Size = 2048 },
            new ImageDeleteItem(null, chain[0]) { Size = 2048 },
        ], records);
        Assert.Empty(_harness.Layers.LayerIds);
        Assert.Empty(_harness.KeptBlobs);
        Assert.Empty(await _harness.Service.ListAsync(default));
        Assert.Equal($"No such image: {_name}", (await Assert.ThrowsAsync<NotFoundException>(() => RemoveAsync(_name))).Message);
    }

    [Fact]
    public async Task Layers_shared_with_another_image_or_a_container_are_kept()
    {
        var other = RegistryImages.Publish(_registry, "other", "latest", [Harness.Tar("a", "a"), Harness.Tar("c", "c")]);
        await _harness.PullAsync($"{_registry.HostPort}/other");
        var chain = ChainIds.Compute(_published.DiffIds);

        var records = await RemoveAsync(_image.Id);

        Assert.Equal(new ImageDeleteItem(null, chain[1]) { Size = 2048 }, records[^1]);
        Assert.Contains(chain[0], _harness.Layers.LayerIds);

        var otherTop = ChainIds.Compute(other.DiffIds)[1];
        _harness.Layers.ContainerDependents[otherTop] = true;
        records = await RemoveAsync($"{_registry.HostPort}/other", force: true);
        Assert.DoesNotContain(records, r => r.Deleted is { } d && (d == otherTop || d == chain[0]));
        Assert.Equal(new[] { chain[0], otherTop }.Order(StringComparer.Ordinal), _harness.Layers.LayerIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_reference_used_by_a_container_needs_force()
    {
        var error = await Assert.ThrowsAsync<ConflictException>(() => RemoveAsync(_name, user: new ImageUser(Container, false)));
        Assert.Equal($"conflict: unable to remove repository reference \"{_name}\" (must force) - container 0123abcd4567 is using its referenced image {ShortId}", error.Message);

        var forced = await RemoveAsync(_name, force: true, user: new ImageUser(Container, false));
        Assert.Equal(new ImageDeleteItem(null, _image.Id), forced[2]);
    }

    [Fact]
    public async Task Deleting_by_id_an_image_of_a_stopped_container_must_be_forced()
    {
        var error = await Assert.ThrowsAsync<ConflictException>(() => RemoveAsync(ShortId, user: new ImageUser(Container, false)));
        Assert.Equal($"conflict: unable to delete {ShortId} (must be forced) - image is being used by stopped container 0123abcd4567", error.Message);
        Assert.NotNull(await _harness.Service.FindAsync(_name, default));

        // The older overload cannot tell running from stopped and treats users as stopped.
        var legacy = await Assert.ThrowsAsync<ConflictException>(() => _harness.Service.RemoveAsync(ShortId, false, (string _) => Container, default));
        Assert.Equal(error.Message, legacy.Message);
    }

    [Fact]
    public async Task A_running_containers_image_cannot_be_deleted_but_can_be_untagged_with_force()
    {
        var running = new ImageUser(Container, true);
        var error = await Assert.ThrowsAsync<ConflictException>(() => RemoveAsync(_image.Id, force: true, user: running));
        Assert.Equal($"conflict: unable to delete {ShortId} (cannot be forced) - image is being used by running container 0123abcd4567", error.Message);

        var records = await RemoveAsync(_name, force: true, user: running);
        Assert.Equal([new ImageDeleteItem($"{_name}:latest", null), new ImageDeleteItem($"{_name}@{_published.ManifestDigest}", null)], records);
        var dangling = await _harness.Service.FindAsync(_image.Id, default);
        Assert.Empty(dangling!.RepoTags);
        Assert.Equal(2, _harness.Layers.LayerIds.Count);
    }

    [Fact]
    public async Task Deleting_by_id_with_tags_in_several_repositories_must_be_forced()
    {
        await _harness.Service.TagAsync(_name, "second", default);

        var error = await Assert.ThrowsAsync<ConflictException>(() => RemoveAsync(_image.Id));
        Assert.Equal($"conflict: unable to delete {ShortId} (must be forced) - image is referenced in multiple repositories", error.Message);

        var records = await RemoveAsync(_image.Id, force: true);
        Assert.Equal(3, records.Count(r => r.Untagged is not null));
        Assert.Contains(new ImageDeleteItem(null, _image.Id), records);
        Assert.Empty(await _harness.Service.ListAsync(default));
    }
}
