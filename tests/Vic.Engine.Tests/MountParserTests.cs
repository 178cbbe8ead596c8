using Vic.Engine.Models;
using Vic.Engine.Volumes;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

public sealed class MountParserTests
{
    [Fact]
    public void BindsNameVolumesOrHostDirectoriesWithModes()
    {
        var volume = MountParser.ParseBind("data:/srv/data:ro,nocopy").Mount;
        Assert.Equal((MountKind.Volume, "data", "/srv/data", true, true), (volume.Kind, volume.Source, volume.Target, volume.ReadOnly, volume.NoCopy));

        var bind = MountParser.ParseBind("/host/dir:/in/vm/:rw,z,rprivate").Mount;
        Assert.Equal((MountKind.Bind, "/host/dir", "/in/vm", false, true), (bind.Kind, bind.Source, bind.Target, bind.ReadOnly, bind.CreateMissingSource));

        var anonymous = MountParser.ParseBind("/cache");
        Assert.True(anonymous.Anonymous);
        Assert.Equal((MountKind.Volume, "", "/cache"), (anonymous.Mount.Kind, anonymous.Mount.Source, anonymous.Mount.Target));
    }

    [Theory]
    [InlineData("data:/x:bogus", "invalid mode: bogus")]
    [InlineData("/h:/x:nocopy", "invalid mode: nocopy")]
    [InlineData("a:b:c:d", "invalid volume specification: 'a:b:c:d'")]
    [InlineData("data:", "invalid volume specification: 'data:'")]
    [InlineData("data:relative", "invalid volume specification: 'data:relative': invalid mount config for type \"volume\": invalid mount path: 'relative' mount path must be absolute")]
    public void BadBindsAreRefusedWithDockerdsMessage(string spec, string message) =>
        Assert.Equal(message, Assert.Throws<InvalidArgumentException>(() => MountParser.ParseBind(spec)).Message);

    [Fact]
    public void MountEntriesCarryVolumeOptionsAndTmpfsSettings()
    {
        var volume = MountParser.ParseMount(new MountRequest
        {
            Type = "volume", Source = "v", Target = "/v", ReadOnly = true,
            VolumeOptions = new MountVolumeOptions
            {
                NoCopy = true, Labels = new() { ["a"] = "b" },
                DriverConfig = new MountDriverConfig { Name = "local", Options = new() { ["Capacity"] = "2G" } },
            },
        });
        Assert.True(volume.Mount.ReadOnly && volume.Mount.NoCopy);
        Assert.Equal("2G", volume.VolumeOptions!["Capacity"]);
        Assert.Equal("b", volume.VolumeLabels!["a"]);

        var tmpfs = MountParser.ParseMount(new MountRequest { Type = "tmpfs", Target = "/t", TmpfsOptions = new MountTmpfsOptions { SizeBytes = 4096, Mode = 448 } }).Mount;
        Assert.Equal((MountKind.Tmpfs, 4096L, 448), (tmpfs.Kind, tmpfs.TmpfsSizeBytes, tmpfs.TmpfsMode));
        Assert.True(MountParser.ParseMount(new MountRequest { Type = "volume", Target = "/anon" }).Anonymous);
    }

    [Theory]
    [InlineData("npipe", "x", "/t", "invalid mount config for type \"npipe\": mount type unknown")]
    [InlineData("bind", "", "/t", "invalid mount config for type \"bind\": field Source must not be empty")]
    [InlineData("bind", "rel", "/t", "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute")]
    [InlineData("tmpfs", "x", "/t", "invalid mount config for type \"tmpfs\": field Source must not be specified")]
    [InlineData("volume", "v", "", "invalid mount config for type \"volume\": field Target must not be empty")]
    [InlineData("volume", "v", "t", "invalid mount config for type \"volume\": invalid mount path: 't' mount path must be absolute")]
    public void BadMountEntriesAreRefused(string type, string source, string target, string message) =>
        Assert.Equal(message, Assert.Throws<InvalidArgumentException>(() =>
            MountParser.ParseMount(new MountRequest { Type = type, Source = source, Target = target })).Message);

    [Fact]
    public void AnotherVolumeDriverIsAMissingPlugin()
    {
        var e = Assert.Throws<NotFoundException>(() => MountParser.ParseMount(new MountRequest
        {
            Type = "volume", Source = "v", Target = "/v", VolumeOptions = new MountVolumeOptions { DriverConfig = new MountDriverConfig { Name = "nfs" } },
        }));
        Assert.Equal("create v: error looking up volume plugin nfs: plugin \"nfs\" not found", e.Message);
    }

    [Fact]
    public void TmpfsOptionsBecomeSizeModeAndFlags()
    {
        var m = MountParser.ParseTmpfs("/run/", "rw,exec,size=64m,mode=1770").Mount;
        Assert.Equal(("/run", 64L << 20, Convert.ToInt32("1770", 8), false), (m.Target, m.TmpfsSizeBytes, m.TmpfsMode, m.ReadOnly));
        Assert.Equal(["exec"], m.Flags);
        Assert.True(MountParser.ParseTmpfs("/x", "ro").Mount.ReadOnly);
        Assert.Equal("invalid tmpfs option [\"size=lots\"]", Assert.Throws<InvalidArgumentException>(() => MountParser.ParseTmpfs("/x", "size=lots")).Message);
        Assert.Equal("invalid tmpfs option [\"mode=999\"]", Assert.Throws<InvalidArgumentException>(() => MountParser.ParseTmpfs("/x", "mode=999")).Message);
        Assert.Equal("invalid tmpfs option [\"bogus\"]", Assert.Throws<InvalidArgumentException>(() => MountParser.ParseTmpfs("/x", "bogus")).Message);
    }
}
