using System.Text;
using System.Text.Json;
using Vic.Engine.Images;
using Vic.Engine.Containers;
using Vic.Engine.Routes;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

public sealed class ArchiveWireTests
{
    [Fact]
    public void The_path_stat_header_is_base64_json_with_gos_names_and_time_format()
    {
        var stat = new ContainerPathStat("passwd", 340, 0x1A4, new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234500), "");
        string json = Encoding.UTF8.GetString(Convert.FromBase64String(ArchiveRoutes.EncodeStat(stat)));
        Assert.Equal("""{"name":"passwd","size":340,"mode":420,"mtime":"2024-05-06T07:08:09.12345Z","linkTarget":""}""", json);
    }

    [Fact]
    public void Whole_seconds_have_no_fraction() =>
        Assert.Equal("2020-01-01T00:00:00Z", ArchiveRoutes.GoTime(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));

    [Fact]
    public void Repository_and_tag_make_one_reference()
    {
        Assert.Equal("app:v1", CommitRoutes.Reference("app", "v1"));
        Assert.Equal("app", CommitRoutes.Reference("app", null));
        Assert.Null(CommitRoutes.Reference(null, null));
        Assert.Throws<InvalidArgumentException>(() => CommitRoutes.Reference("", "v1"));
    }
}

public sealed class ChangeInstructionsTests
{
    private static readonly ImageConfig Base = new()
    {
        Env = ["PATH=/bin", "A=1"],
        Cmd = ["sh"],
        WorkingDir = "/srv",
        Labels = new Dictionary<string, string> { ["keep"] = "yes" },
    };

    [Fact]
    public void Json_and_shell_forms_of_cmd_and_entrypoint()
    {
        var config = ChangeInstructions.Apply(Base, ["CMD [\"echo\", \"hi\"]", "ENTRYPOINT top -b"]);
        Assert.Equal(["echo", "hi"], config.Cmd);
        Assert.Equal(["/bin/sh", "-c", "top -b"], config.Entrypoint);
    }

    [Fact]
    public void Env_and_label_pairs_merge_and_override()
    {
        var config = ChangeInstructions.Apply(Base, ["ENV A=2 B=\"two words\"", "ENV C legacy form", "LABEL version=1.0 \"x y\"=z"]);
        Assert.Equal(["PATH=/bin", "A=2", "B=two words", "C=legacy form"], config.Env);
        Assert.Equal("yes", config.Labels["keep"]);
        Assert.Equal("1.0", config.Labels["version"]);
        Assert.Equal("z", config.Labels["x y"]);
    }

    [Fact]
    public void Expose_user_workdir_volume_stopsignal_and_several_lines_in_one_change()
    {
        var config = ChangeInstructions.Apply(Base, ["EXPOSE 80 53/UDP\nUSER nobody", "WORKDIR app", "WORKDIR /abs", "VOLUME [\"/data\"]", "VOLUME /a /b", "STOPSIGNAL SIGINT"]);
        Assert.Equal(["53/udp", "80/tcp"], config.ExposedPorts);
        Assert.Equal("nobody", config.User);
        Assert.Equal("/abs", config.WorkingDir);
        Assert.Equal(["/a", "/b", "/data"], config.Volumes);
        Assert.Equal("SIGINT", config.StopSignal);
        Assert.Equal("/srv/app", ChangeInstructions.Apply(Base, ["workdir app"]).WorkingDir);
    }

    [Theory]
    [InlineData("RUN echo hi", "run is not a valid change command")]
    [InlineData("FROM busybox", "from is not a valid change command")]
    [InlineData("ENV =x", "ENV names can not be blank")]
    [InlineData("USER", "USER requires exactly one argument")]
    public void Refusals_use_dockerds_words(string change, string message)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => ChangeInstructions.Apply(Base, [change]));
        Assert.Equal(message, e.Message);
    }
}

public sealed class CopyDestinationTests
{
    private static ContainerRecord Container(bool readOnlyRoot, params MountSpec[] mounts) => new(
        new ContainerInfo
        {
            Spec = new ContainerSpec { Id = new string('a', 64), Name = "c", Process = new ProcessConfig { Args = ["true"] }, Mounts = mounts, ReadOnlyRoot = readOnlyRoot },
            Status = new ContainerStatus { State = ContainerRunState.Created },
            Created = DateTimeOffset.UnixEpoch,
        },
        new Vic.Engine.Models.ContainerConfig(), new Vic.Engine.Models.HostConfig { ReadonlyRootfs = readOnlyRoot }, "sha256:" + new string('b', 64));

    [Fact]
    public void A_read_only_mount_refuses_copies_into_it_and_the_deepest_mount_decides()
    {
        var c = Container(false,
            new MountSpec { Kind = MountKind.Volume, Source = "v", Target = "/data", ReadOnly = true },
            new MountSpec { Kind = MountKind.Bind, Source = "/srv", Target = "/data/inner" });
        Assert.Equal("mounted volume is marked read-only", Assert.Throws<InvalidArgumentException>(() => CopyDestination.CheckWritable(c, "/data")).Message);
        Assert.Throws<InvalidArgumentException>(() => CopyDestination.CheckWritable(c, "/data/x/../y/"));
        CopyDestination.CheckWritable(c, "/data/inner/file");
        CopyDestination.CheckWritable(c, "/database"); // not under /data
        CopyDestination.CheckWritable(c, "/tmp");
    }

    [Fact]
    public void A_read_only_root_refuses_copies_outside_its_writable_mounts()
    {
        var c = Container(true, new MountSpec { Kind = MountKind.Volume, Source = "v", Target = "/data" });
        Assert.Equal("container rootfs is marked read-only", Assert.Throws<InvalidArgumentException>(() => CopyDestination.CheckWritable(c, "/")).Message);
        Assert.Throws<InvalidArgumentException>(() => CopyDestination.CheckWritable(c, "/data/../etc"));
        CopyDestination.CheckWritable(c, "/data/sub");
        CopyDestination.CheckWritable(c, "data"); // relative paths are taken from the root, as dockerd does
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("", "/")]
    [InlineData("/a/./b//c/", "/a/b/c")]
    [InlineData("/../..", "/")]
    [InlineData("a/../../b", "/b")]
    public void Paths_are_cleaned_like_gos_filepath_clean_from_the_root(string path, string clean) =>
        Assert.Equal(clean, CopyDestination.Clean(path));
}
