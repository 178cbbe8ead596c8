using Vic.ImageC.References;
using Vic.PortLayer;

namespace Vic.ImageC.Tests;

public sealed class ReferenceTests
{
    private const string Hex = "6d3e4188a38af91b0c1577b9e88c53368926b2fe0e1fb985d6e8a70040520c4d";

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox", "busybox")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox", "busybox")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox", "busybox")]
    [InlineData("index.docker.io/library/busybox:latest", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("user/app:v1", "docker.io/user/app:v1", "user/app:v1")]
    [InlineData("docker.io/user/app/sub", "docker.io/user/app/sub", "user/app/sub")]
    [InlineData("localhost/x", "localhost/x", "localhost/x")]
    [InlineData("localhost:5000/x/y:tag", "localhost:5000/x/y:tag", "localhost:5000/x/y:tag")]
    [InlineData("127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox")]
    [InlineData("[::1]:5000/busybox:1", "[::1]:5000/busybox:1", "[::1]:5000/busybox:1")]
    [InlineData("registry.example.com/a/b/c:T_1.x-y", "registry.example.com/a/b/c:T_1.x-y", "registry.example.com/a/b/c:T_1.x-y")]
    [InlineData("a__b/c-d.e_f---g", "docker.io/a__b/c-d.e_f---g", "a__b/c-d.e_f---g")]
    [InlineData("Foo/bar", "Foo/bar", "Foo/bar")]
    [InlineData("busybox@sha256:" + Hex, "docker.io/library/busybox@sha256:" + Hex, "busybox@sha256:" + Hex)]
    [InlineData("busybox:latest@sha256:" + Hex, "docker.io/library/busybox:latest@sha256:" + Hex, "busybox:latest@sha256:" + Hex)]
    public void Normalises_like_dockerd(string input, string normalised, string familiar)
    {
        var reference = ImageReference.Parse(input);
        Assert.Equal(normalised, reference.ToString());
        Assert.Equal(familiar, reference.Familiar);
    }

    [Fact]
    public void Splits_domain_path_tag_and_digest()
    {
        var reference = ImageReference.Parse("127.0.0.1:5000/team/app:v2@sha256:" + Hex);
        Assert.Equal("127.0.0.1:5000", reference.Domain);
        Assert.Equal("team/app", reference.Path);
        Assert.Equal("v2", reference.Tag);
        Assert.Equal("sha256:" + Hex, reference.Digest);
        Assert.Equal("busybox:latest", ImageReference.Parse("busybox").WithDefaultTag().Familiar);
        Assert.Equal("busybox@sha256:" + Hex, ImageReference.Parse("busybox@sha256:" + Hex).WithDefaultTag().Familiar);
    }

    [Theory]
    [InlineData("", "invalid reference format")]
    [InlineData("busybox:", "invalid reference format")]
    [InlineData(":latest", "invalid reference format")]
    [InlineData("busy box", "invalid reference format")]
    [InlineData("a/", "invalid reference format")]
    [InlineData("-busybox", "invalid reference format")]
    [InlineData("busybox:-tag", "invalid reference format")]
    [InlineData("busybox@sha256:abc", "invalid reference format")]
    [InlineData("example.com:port/x", "invalid reference format")]
    [InlineData("busybox@sha256:0123456789abcdef0123456789abcdef01234567", "invalid checksum digest length")]
    [InlineData("busybox@sha256:6D3E4188A38AF91B0C1577B9E88C53368926B2FE0E1FB985D6E8A70040520C4D", "invalid checksum digest format")]
    [InlineData("Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase")]
    [InlineData("Busybox:Latest", "invalid reference format: repository name (library/Busybox) must be lowercase")]
    [InlineData("localhost:5000/Team/app", "invalid reference format: repository name (Team/app) must be lowercase")]
    [InlineData(Hex, "invalid repository name (" + Hex + "), cannot specify 64-byte hexadecimal strings")]
    public void Refuses_invalid_references_with_dockerds_message(string input, string message)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => ImageReference.Parse(input));
        Assert.Equal(message, error.Message);
        Assert.False(ImageReference.TryParse(input, out _));
    }

    [Fact]
    public void Refuses_overlong_names_and_tags()
    {
        string longName = string.Join('/', Enumerable.Repeat(new string('a', 60), 5));
        Assert.Equal("repository name must not be more than 255 characters", Assert.Throws<InvalidArgumentException>(() => ImageReference.Parse(longName)).Message);
        Assert.Equal("invalid reference format", Assert.Throws<InvalidArgumentException>(() => ImageReference.Parse("busybox:" + new string('t', 129))).Message);
        Assert.Equal("busybox:" + new string('t', 128), ImageReference.Parse("busybox:" + new string('t', 128)).Familiar);
    }
}
