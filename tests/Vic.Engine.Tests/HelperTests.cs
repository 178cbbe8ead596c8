using Vic.Engine.Containers;
using Vic.Engine.Hijack;
using Vic.Engine.Http;
using Vic.Engine.Images;
using Vic.Engine.Mapping;
using Vic.Engine.Networks;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

public sealed class HelperTests
{
    [Theory]
    [InlineData("/v1.44/containers/json", "1.44", "/containers/json")]
    [InlineData("/v1.24/_ping", "1.24", "/_ping")]
    [InlineData("/v1.40", "1.40", "/")]
    public void Versioned_paths_split(string path, string version, string rest)
    {
        Assert.True(ApiVersion.TrySplitPath(path, out var v, out var r));
        Assert.Equal((version, rest), (v, r));
    }

    [Theory]
    [InlineData("/containers/json")]
    [InlineData("/volumes/v1/x")]
    [InlineData("/vx/containers")]
    public void Unversioned_paths_do_not_split(string path) => Assert.False(ApiVersion.TrySplitPath(path, out _, out _));

    [Fact]
    public void Versions_compare_numerically()
    {
        Assert.Throws<InvalidArgumentException>(() => ApiVersion.ParseSupported("1.9")); // 1.9 < 1.24, not "1.9" > "1.24"
        Assert.Equal(new ApiVersion(1, 30), ApiVersion.ParseSupported("1.30"));
        Assert.Throws<InvalidArgumentException>(() => ApiVersion.ParseSupported("2.0"));
    }

    [Theory]
    [InlineData(0.4, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(150, "2 minutes")]
    [InlineData(3600, "About an hour")]
    [InlineData(5400, "2 hours")]
    [InlineData(3 * 86400, "3 days")]
    [InlineData(21 * 86400, "3 weeks")]
    [InlineData(90 * 86400, "3 months")]
    [InlineData(800 * 86400, "2 years")]
    public void Durations_read_like_the_docker_cli(double seconds, string text) =>
        Assert.Equal(text, StatusText.HumanDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Times_format_like_go()
    {
        var t = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1_500_000);
        Assert.Equal("2026-03-04T03:06:07.15Z", DockerTime.Rfc3339Nano(t));
        Assert.Equal("2026-03-04T03:06:07.150000000Z", DockerTime.Rfc3339NanoFixed(t));
        Assert.Equal("0001-01-01T00:00:00Z", DockerTime.Rfc3339Nano(null));
        Assert.Equal("2026-03-04T03:06:07Z", DockerTime.Rfc3339Nano(new DateTimeOffset(2026, 3, 4, 3, 6, 7, TimeSpan.Zero)));
    }

    [Fact]
    public void Detach_keys_hold_back_partial_matches_and_release_them_when_broken()
    {
        var keys = DetachKeys.Parse(null); // ctrl-p ctrl-q
        var forward = new List<byte>();
        Assert.False(keys.Scan([(byte)'a', 0x10], forward));
        Assert.Equal([(byte)'a'], forward);
        forward.Clear();
        Assert.False(keys.Scan([(byte)'b'], forward));
        Assert.Equal([0x10, (byte)'b'], forward);
        forward.Clear();
        Assert.False(keys.Scan([0x10, 0x10], forward));
        Assert.Equal([0x10], forward);
        Assert.True(keys.Scan([0x11], forward));

        Assert.True(DetachKeys.Parse("ctrl-@,ctrl-[,z").Scan([0, 27, (byte)'z'], []));
        var error = Assert.Throws<InvalidArgumentException>(() => DetachKeys.Parse("ctrl-pp"));
        Assert.Equal("Invalid detach keys (ctrl-pp) provided", error.Message);
    }

    [Theory]
    [InlineData("busybox", "busybox:latest")]
    [InlineData("docker.io/library/busybox", "busybox:latest")]
    [InlineData("127.0.0.1:5000/x/busybox", "127.0.0.1:5000/x/busybox:latest")]
    [InlineData("busybox:1.36", "busybox:1.36")]
    [InlineData("busybox@sha256:abc", "busybox@sha256:abc")]
    public void Image_references_get_the_default_tag(string reference, string expected) =>
        Assert.Equal(expected, ImageReference.WithDefaultTag(reference));

    [Theory]
    [InlineData("busy*", "busybox", true)]
    [InlineData("*", "127.0.0.1:5000/busybox", false)]
    [InlineData("127.0.0.1:5000/*", "127.0.0.1:5000/busybox", true)]
    [InlineData("b[a-v]sybox:?.36", "busybox:1.36", true)]
    [InlineData("b[^u]sybox", "busybox", false)]
    public void Reference_globs_follow_path_match(string pattern, string text, bool match) =>
        Assert.Equal(match, ImageReference.GlobMatch(pattern, text));

    [Fact]
    public void Cpu_lists_parse_like_linux()
    {
        Assert.Equal([0, 1, 2, 5], ResourceValidator.ParseCpuList("0-2,5")!);
        Assert.Null(ResourceValidator.ParseCpuList("2-1"));
        Assert.Null(ResourceValidator.ParseCpuList("a"));
        Assert.Null(ResourceValidator.ParseCpuList("1,,2"));
    }

    [Fact]
    public void Container_ids_are_64_hex_with_a_non_numeric_short_form()
    {
        for (int i = 0; i < 50; i++)
        {
            string id = ContainerIds.New();
            Assert.True(ContainerIds.IsFullId(id));
            Assert.False(id[..12].All(char.IsAsciiDigit));
        }
    }

    /// <summary>The personality must never know a hypervisor (DESIGN: adding a backend touches no file in Engine).</summary>
    [Fact]
    public void The_engine_references_no_backend()
    {
        var references = typeof(DockerEngineApi).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Vic.PortLayer", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Vic.", StringComparison.Ordinal) && r is not ("Vic.PortLayer" or "Vic.ImageC"));
        Assert.DoesNotContain(typeof(DockerEngineApi).Assembly.GetTypes(), t => t.Namespace?.Contains("Qemu", StringComparison.OrdinalIgnoreCase) == true);
    }

    [Theory]
    [InlineData(null, 0, 0)]
    [InlineData("", 0, 0)]
    [InlineData("8080", 8080, 8080)]
    [InlineData("8000-8010", 8000, 8010)]
    public void Host_ports_are_one_port_a_range_or_random(string? text, int first, int last) =>
        Assert.Equal((first, last), PortPublisher.HostPortRange(text));

    [Theory]
    [InlineData("http", "invalid host port \"http\"")]
    [InlineData("1-2-3", "invalid host port \"1-2-3\"")]
    [InlineData("70000", "invalid host port \"70000\"")]
    [InlineData("8010-8000", "invalid port range: 8010-8000")]
    public void Bad_host_ports_get_a_clear_message(string text, string message) =>
        Assert.Equal(message, Assert.Throws<InvalidArgumentException>(() => PortPublisher.HostPortRange(text)).Message);

    [Fact]
    public void Image_inspect_shows_the_parent_and_the_committing_container_as_API_1_44_does()
    {
        var image = new Vic.ImageC.ImageRecord
        {
            Id = "sha256:" + new string('2', 64),
            Parent = "sha256:" + new string('1', 64),
            Created = DateTimeOffset.UnixEpoch,
            Config = new Vic.ImageC.ImageConfig(),
            ConfigJson = System.Text.Encoding.UTF8.GetBytes("""{"container":"c0ffee","container_config":{"Image":"busybox","Cmd":["touch","/test"],"Hostname":"c0ffee"}}"""),
        };
        var inspect = ImageMapper.ToInspect(image, new ApiVersion(1, 44));
        Assert.Equal(("c0ffee", "busybox"), (inspect.Container, inspect.ContainerConfig.Image));
        Assert.Equal(["touch", "/test"], inspect.ContainerConfig.Cmd);
        Assert.Equal("sha256:" + new string('1', 64), inspect.Parent);
        Assert.Equal(inspect.Parent, ImageMapper.ToSummary(image, new ApiVersion(1, 44)).ParentId);

        var pulled = ImageMapper.ToInspect(image with { Parent = "", ConfigJson = "{}"u8.ToArray() }, new ApiVersion(1, 44));
        Assert.Equal(("", "", ""), (pulled.Container, pulled.ContainerConfig.Image, pulled.Parent));
    }
}
