using Vic.TestSupport;

namespace Vic.PortLayer.VSphere.Tests;

[Collection("vcsim")]
public sealed class MetadataStoreTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task Keys_are_files_on_the_datastore_replaced_whole_and_listed_by_prefix()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var store = backend.Metadata;

        Assert.Null(await store.GetAsync("images/sha256:ab", CancellationToken.None));
        await store.PutAsync("images/sha256:ab", "one"u8.ToArray(), CancellationToken.None);
        await store.PutAsync("images/sha256:ab", "two"u8.ToArray(), CancellationToken.None);
        await store.PutAsync("tags/busybox", "x"u8.ToArray(), CancellationToken.None);

        Assert.Equal("two"u8.ToArray(), await store.GetAsync("images/sha256:ab", CancellationToken.None));
        Assert.Equal(["images/sha256:ab"], await store.ListAsync("images/", CancellationToken.None));
        Assert.Equal(["images+sha256:ab", "tags+busybox"], await vch.FilesAsync("metadata")); // no temporary file left
        await store.DeleteAsync("images/sha256:ab", CancellationToken.None);
        await store.DeleteAsync("images/sha256:ab", CancellationToken.None); // missing: not an error
        Assert.Equal(["tags/busybox"], await store.ListAsync("", CancellationToken.None));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => store.PutAsync("Bad Key", "x"u8.ToArray(), CancellationToken.None));
    }
}
