using System.Text;
using Vic.PortLayer;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Tests.Support;

namespace Vic.PortLayer.Qemu.Tests.Unit;

public sealed class MetadataStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly MetadataStore _store;

    public MetadataStoreTests() => _store = new MetadataStore(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task PutGetDeleteList()
    {
        await _store.PutAsync("images/sha256:aa/config", "cfg"u8.ToArray(), default);
        await _store.PutAsync("images/sha256:ab/config", "cfg2"u8.ToArray(), default);
        await _store.PutAsync("tags/library/busybox:latest", "sha256:aa"u8.ToArray(), default);

        Assert.Equal("cfg", Encoding.UTF8.GetString((await _store.GetAsync("images/sha256:aa/config", default))!));
        Assert.Null(await _store.GetAsync("images/missing", default));
        Assert.Null(await _store.GetAsync("images", default)); // a directory is not a value
        Assert.Equal(["images/sha256:aa/config", "images/sha256:ab/config"], await _store.ListAsync("images/", default));
        Assert.Equal(["images/sha256:ab/config"], await _store.ListAsync("images/sha256:ab", default));
        Assert.Equal(3, (await _store.ListAsync("", default)).Count);

        await _store.PutAsync("images/sha256:aa/config", "new"u8.ToArray(), default);
        Assert.Equal("new", Encoding.UTF8.GetString((await _store.GetAsync("images/sha256:aa/config", default))!));

        await _store.DeleteAsync("images/sha256:aa/config", default);
        await _store.DeleteAsync("images/sha256:aa/config", default); // missing: not an error
        Assert.Null(await _store.GetAsync("images/sha256:aa/config", default));
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "images", "sha256:aa")), "empty parent directories are pruned");
        Assert.Equal(["images/sha256:ab/config"], await _store.ListAsync("images/", default));
    }

    [Theory]
    [InlineData("")]
    [InlineData("UPPER")]
    [InlineData("a//b")]
    [InlineData("../escape")]
    [InlineData("a/./b")]
    [InlineData(".hidden")]
    [InlineData("/abs")]
    [InlineData("space here")]
    public async Task InvalidKeysAreRefused(string key)
    {
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _store.PutAsync(key, "x"u8.ToArray(), default));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => _store.GetAsync(key, default));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task KeyCannotBeBothValueAndPrefix()
    {
        await _store.PutAsync("a/b", "1"u8.ToArray(), default);
        await Assert.ThrowsAsync<ConflictException>(() => _store.PutAsync("a", "2"u8.ToArray(), default));
        await Assert.ThrowsAsync<ConflictException>(() => _store.PutAsync("a/b/c", "3"u8.ToArray(), default));
        Assert.Equal(["a/b"], await _store.ListAsync("", default));
    }

    [Fact]
    public async Task ReadersNeverSeeATornValueAndNoTempFilesRemain()
    {
        byte[] a = Enumerable.Repeat((byte)'a', 256 * 1024).ToArray();
        byte[] b = Enumerable.Repeat((byte)'b', 128 * 1024).ToArray();
        await _store.PutAsync("k", a, default);
        using var stop = new CancellationTokenSource();
        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
                await _store.PutAsync("k", i % 2 == 0 ? b : a, default);
            stop.Cancel();
        });
        int reads = 0;
        while (!stop.IsCancellationRequested)
        {
            byte[] value = (await _store.GetAsync("k", default))!;
            Assert.True(value.SequenceEqual(a) || value.SequenceEqual(b), $"torn read of {value.Length} bytes");
            reads++;
        }
        await writer;
        Assert.True(reads > 0);
        Assert.Equal(["k"], Directory.EnumerateFileSystemEntries(_temp.Path).Select(Path.GetFileName));
    }
}
