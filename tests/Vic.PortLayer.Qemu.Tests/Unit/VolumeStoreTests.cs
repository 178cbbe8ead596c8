using Microsoft.Extensions.Logging.Abstractions;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Tests.Support;
using Vic.PortLayer.Qemu.Vm;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Tests.Unit;

/// <summary>The volume store on real files with the real mkfs.ext4 (a sparse disk of a few MiB formats in milliseconds).</summary>
public sealed class VolumeStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<ContainerSpec> _containers = [];
    private readonly VolumeStore _store;

    public VolumeStoreTests()
    {
        _store = new VolumeStore(
            [
                new VolumeStoreInfo("default", Path.Combine(_dir.Path, "vols")),
                new VolumeStoreInfo("fast", Path.Combine(_dir.Path, "fast")),
                VolumeStoreInfo.FromSetting("team", "shared:" + Path.Combine(_dir.Path, "team")),
            ],
            new QemuImg("qemu-img", "mkfs.ext4"), TimeProvider.System, () => _containers, NullLogger.Instance);
        _store.EnsureCreated();
    }

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string> Opts(params string[] kv) =>
        kv.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public async Task CreateMakesASparseExt4DiskWithItsMetadataAndIsIdempotent()
    {
        var v = await _store.CreateAsync(new VolumeCreateSpec { Name = "v1", Labels = Opts("a=b"), Options = Opts("Capacity=32MB") }, default);
        Assert.Equal(32L << 20, v.CapacityBytes);
        string disk = Path.Combine(_dir.Path, "vols", "v1", VolumeStore.DiskFile);
        Assert.Equal(32L << 20, new FileInfo(disk).Length);
        Assert.InRange(v.AllocatedBytes, 1, 8L << 20); // sparse: mkfs wrote little
        // The ext2/3/4 superblock magic (0xEF53, little-endian) at byte 1024 + 56.
        byte[] superblock = new byte[2];
        await using (var f = File.OpenRead(disk))
        {
            f.Position = 1024 + 56;
            await f.ReadExactlyAsync(superblock);
        }
        Assert.Equal(new byte[] { 0x53, 0xEF }, superblock);

        var again = await _store.CreateAsync(new VolumeCreateSpec { Name = "v1", Options = Opts("Capacity=1G") }, default);
        Assert.Equal(32L << 20, again.CapacityBytes);
        Assert.Equal("b", (await _store.InspectAsync("v1", default)).Labels["a"]);
        Assert.Equal(["v1"], (await _store.ListAsync(default)).Select(x => x.Name));
    }

    [Fact]
    public async Task DefaultCapacityIsOneGibAndAnUnnamedVolumeGetsA64HexName()
    {
        var v = await _store.CreateAsync(new VolumeCreateSpec(), default);
        Assert.Matches("^[0-9a-f]{64}$", v.Name);
        Assert.Equal(1L << 30, v.CapacityBytes);
        Assert.Equal("default", v.Store);
    }

    [Fact]
    public async Task VolumeStoreOptionPlacesTheDisk()
    {
        var v = await _store.CreateAsync(new VolumeCreateSpec { Name = "f1", Options = Opts("volumestore=fast", "capacity=16") }, default);
        Assert.Equal("fast", v.Store);
        Assert.Equal(16L << 20, v.CapacityBytes);
        Assert.True(File.Exists(Path.Combine(_dir.Path, "fast", "f1", VolumeStore.DiskFile)));
    }

    [Theory]
    [InlineData("a", "create a: volume name is too short, names should be at least two alphanumeric characters")]
    [InlineData("a/b", "create a/b: \"a/b\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")]
    [InlineData(".hidden", "create .hidden: \".hidden\" includes invalid characters")]
    public async Task InvalidNamesAreRefusedAndLeaveNothing(string name, string message)
    {
        var e = await Assert.ThrowsAsync<InvalidArgumentException>(() => _store.CreateAsync(new VolumeCreateSpec { Name = name }, default));
        Assert.StartsWith(message, e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_dir.Path, "vols")));
    }

    [Theory]
    [InlineData("bogus=1", "create vv: invalid option: \"bogus\"")]
    [InlineData("Capacity=lots", "create vv: invalid capacity \"lots\"")]
    [InlineData("Capacity=1KB", "create vv: invalid capacity \"1KB\": must be between 8MiB and 16TiB")]
    [InlineData("Capacity=3parsecs", "create vv: invalid capacity \"3parsecs\": unknown unit \"parsecs\"")]
    [InlineData("VolumeStore=nope", "create vv: no volume store named \"nope\" (this VCH has: default, fast, team)")]
    public async Task BadOptionsAreRefusedAndLeaveNothing(string option, string message)
    {
        var e = await Assert.ThrowsAsync<InvalidArgumentException>(() => _store.CreateAsync(new VolumeCreateSpec { Name = "vv", Options = Opts(option) }, default));
        Assert.StartsWith(message, e.Message);
        Assert.Empty(await _store.ListAsync(default));
    }

    [Theory]
    [InlineData("2GB", 2L << 30)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("100", 100L << 20)]
    [InlineData("1T", 1L << 40)]
    public void CapacityTakesUnitsAndBareNumbersAreMiB(string text, long bytes) =>
        Assert.Equal(bytes, VolumeOptions.ParseCapacity("v", text));

    [Fact]
    public async Task RemoveIsRefusedWhileAContainerNamesTheVolume()
    {
        await _store.CreateAsync(new VolumeCreateSpec { Name = "used", Options = Opts("Capacity=16M") }, default);
        string id = new('a', 64);
        _containers.Add(new ContainerSpec
        {
            Id = id, Name = "c", Process = new ProcessConfig { Args = ["true"] },
            Mounts = [new MountSpec { Kind = MountKind.Volume, Source = "used", Target = "/x" }],
        });
        var e = await Assert.ThrowsAsync<ConflictException>(() => _store.RemoveAsync("used", force: true, default));
        Assert.Equal($"remove used: volume is in use - [{id}]", e.Message);
        Assert.Equal([id], await _store.UsersAsync("used", default));

        _containers.Clear();
        await _store.RemoveAsync("used", force: false, default);
        Assert.Empty(await _store.ListAsync(default));
        await Assert.ThrowsAsync<NotFoundException>(() => _store.RemoveAsync("used", force: false, default));
        await _store.RemoveAsync("used", force: true, default); // force: a missing volume is not an error
    }

    [Fact]
    public async Task MountsBecomeDisksAfterTheRootDiskSharesAndTheTethersMountList()
    {
        await _store.CreateAsync(new VolumeCreateSpec { Name = "v1", Options = Opts("Capacity=16M") }, default);
        await _store.CreateAsync(new VolumeCreateSpec { Name = "v2", Options = Opts("Capacity=16M") }, default);
        var spec = new ContainerSpec
        {
            Id = new string('b', 64), Name = "c", Process = new ProcessConfig { Args = ["true"] },
            Mounts =
            [
                new MountSpec { Kind = MountKind.Volume, Source = "v1", Target = "/a" },
                new MountSpec { Kind = MountKind.Bind, Source = "/srv/x", Target = "/b", ReadOnly = true },
                new MountSpec { Kind = MountKind.Volume, Source = "v2", Target = "/c", ReadOnly = true, NoCopy = true },
                new MountSpec { Kind = MountKind.Volume, Source = "v1", Target = "/d", ReadOnly = true },
                new MountSpec { Kind = MountKind.Tmpfs, Target = "/t", TmpfsSizeBytes = 1 << 20, Flags = ["noexec"] },
            ],
        };
        var plan = VmMounts.Plan(spec, _store);
        Assert.Equal([(_store.AttachmentOf("v1").Path, false), (_store.AttachmentOf("v2").Path, true)], plan.Disks.Select(d => (d.Path, d.ReadOnly)));
        Assert.All(plan.Disks, d => Assert.Equal("raw", d.Format));
        // Named after the container: virtiofsd locks a pid file named after its socket path.
        Assert.Equal([new VmShare($"fs-{spec.Id}-0.sock", "vicfs0")], plan.Shares);
        Assert.Equal(["/srv/x"], plan.ShareSources);
        Assert.Equal(
        [
            (MountSourceKind.Disk, "/dev/vdb", "/a", false, true),
            (MountSourceKind.Virtiofs, "vicfs0", "/b", true, false),
            (MountSourceKind.Disk, "/dev/vdc", "/c", true, false),
            (MountSourceKind.Disk, "/dev/vdb", "/d", true, true),
            (MountSourceKind.Tmpfs, "", "/t", false, false),
        ], plan.Mounts.Select(m => (m.Kind, m.Source, m.Target, m.ReadOnly, m.CopyUp)));
        Assert.Equal("size=1048576,mode=1777", plan.Mounts[4].Options);
    }

    [Fact]
    public async Task AReadOnlyFirstMountGetsTheDiskWritableToBeSeededAndLaterReadOnlyMountsDoNot()
    {
        await _store.CreateAsync(new VolumeCreateSpec { Name = "fresh", Options = Opts("Capacity=16M") }, default);
        var spec = new ContainerSpec
        {
            Id = new string('c', 64), Name = "c", Process = new ProcessConfig { Args = ["true"] },
            Mounts = [new MountSpec { Kind = MountKind.Volume, Source = "fresh", Target = "/data", ReadOnly = true }],
        };
        Assert.True(_store.NeverAttached("fresh"));
        var first = VmMounts.Plan(spec, _store);
        Assert.False(first.Disks[0].ReadOnly);
        Assert.Equal((true, true), (first.Mounts[0].ReadOnly, first.Mounts[0].CopyUp));

        await _store.MarkAttachedAsync(["fresh", "no-such-volume"], default);
        Assert.False(_store.NeverAttached("fresh"));
        var later = VmMounts.Plan(spec, _store);
        Assert.True(later.Disks[0].ReadOnly);
        Assert.Equal((true, false), (later.Mounts[0].ReadOnly, later.Mounts[0].CopyUp));
        // The mark keeps the rest of volume.json.
        Assert.Equal(16L << 20, (await _store.InspectAsync("fresh", default)).CapacityBytes);

        // nocopy: nothing to seed, so even a first read-only mount is a read-only disk.
        await _store.CreateAsync(new VolumeCreateSpec { Name = "nocopy", Options = Opts("Capacity=16M") }, default);
        var bare = VmMounts.Plan(spec with { Mounts = [new MountSpec { Kind = MountKind.Volume, Source = "nocopy", Target = "/n", ReadOnly = true, NoCopy = true }] }, _store);
        Assert.True(bare.Disks[0].ReadOnly);
    }

    [Fact]
    public async Task ASharedStoreVolumeIsADirectoryWithoutCapacityCountedByItsFilesAndNotFollowingLinks()
    {
        var refused = await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            _store.CreateAsync(new VolumeCreateSpec { Name = "s0", Options = Opts("VolumeStore=team", "capacity=1G") }, default));
        Assert.Equal("create s0: volume store \"team\" is shared: its volumes are directories without a capacity of their own; leave out --opt Capacity", refused.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_dir.Path, "team")));

        var v = await _store.CreateAsync(new VolumeCreateSpec { Name = "s1", Options = Opts("VolumeStore=team") }, default);
        Assert.True(v.Shared);
        Assert.Equal(0, v.CapacityBytes);
        Assert.Equal("team", v.Store);
        string data = Path.Combine(_dir.Path, "team", "s1", VolumeStore.SharedDataDir);
        Assert.True(Directory.Exists(data));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "team", "s1", VolumeStore.DiskFile)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(data));
        Assert.Equal((data, true), _store.AttachmentOf("s1"));
        Assert.True(_store.IsShared("s1"));

        // What containers wrote is counted; a link out of the volume (here to the whole test directory) is not followed.
        Directory.CreateDirectory(Path.Combine(data, "sub"));
        await File.WriteAllBytesAsync(Path.Combine(data, "sub", "f"), new byte[256 * 1024]);
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "outside"), new byte[4 << 20]);
        File.CreateSymbolicLink(Path.Combine(data, "escape"), _dir.Path);
        long allocated = (await _store.InspectAsync("s1", default)).AllocatedBytes;
        Assert.InRange(allocated, 256 * 1024, 1 << 20);

        await _store.RemoveAsync("s1", force: false, default);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "team", "s1")));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "outside")));
    }

    [Fact]
    public async Task EachMountOfASharedVolumeIsAShareOfItsDirectorySeededOnFirstMount()
    {
        await _store.CreateAsync(new VolumeCreateSpec { Name = "s1", Options = Opts("VolumeStore=team") }, default);
        await _store.CreateAsync(new VolumeCreateSpec { Name = "v1", Options = Opts("Capacity=16M") }, default);
        var spec = new ContainerSpec
        {
            Id = new string('c', 64), Name = "c", Process = new ProcessConfig { Args = ["true"] },
            Mounts =
            [
                new MountSpec { Kind = MountKind.Volume, Source = "s1", Target = "/a" },
                new MountSpec { Kind = MountKind.Volume, Source = "v1", Target = "/b" },
                new MountSpec { Kind = MountKind.Volume, Source = "s1", Target = "/c", ReadOnly = true, NoCopy = true },
            ],
        };
        var plan = VmMounts.Plan(spec, _store);
        Assert.Equal([_store.AttachmentOf("v1").Path], plan.Disks.Select(d => d.Path));
        Assert.Equal([new VmShare($"fs-{spec.Id}-0.sock", "vicfs0"), new VmShare($"fs-{spec.Id}-1.sock", "vicfs1")], plan.Shares);
        string data = Path.Combine(_dir.Path, "team", "s1", VolumeStore.SharedDataDir);
        Assert.Equal([data, data], plan.ShareSources);
        Assert.Equal(
        [
            (MountSourceKind.Virtiofs, "vicfs0", "/a", false, true),
            (MountSourceKind.Disk, "/dev/vdb", "/b", false, true),
            (MountSourceKind.Virtiofs, "vicfs1", "/c", true, false),
        ], plan.Mounts.Select(m => (m.Kind, m.Source, m.Target, m.ReadOnly, m.CopyUp)));
    }
}
