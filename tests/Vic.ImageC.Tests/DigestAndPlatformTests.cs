using System.Security.Cryptography;
using System.Text;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.Registry;
using Vic.PortLayer;

namespace Vic.ImageC.Tests;

public sealed class DigestAndPlatformTests
{
    [Fact]
    public void Chain_ids_follow_the_oci_definition()
    {
        string a = "sha256:" + new string('a', 64), b = "sha256:" + new string('b', 64), c = "sha256:" + new string('c', 64);
        var chain = ChainIds.Compute([a, b, c]);

        string expected1 = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(a + " " + b)));
        string expected2 = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(expected1 + " " + c)));
        Assert.Equal([a, expected1, expected2], chain);
        Assert.Empty(ChainIds.Compute([]));
    }

    [Fact]
    public void Digests_are_validated_before_use()
    {
        Assert.Equal("sha256:" + new string('0', 64), Digest.RequireSha256("sha256:" + new string('0', 64), "layer"));
        Assert.Throws<InvalidArgumentException>(() => Digest.RequireSha256("sha256:../../etc/passwd", "layer"));
        Assert.Throws<InvalidArgumentException>(() => Digest.RequireSha256("sha256:" + new string('A', 64), "layer"));
        Assert.Throws<NotSupportedByBackendException>(() => Digest.RequireSha256("sha512:" + new string('0', 128), "layer"));
        Assert.Equal("6d3e4188a38a", Digest.Short("sha256:6d3e4188a38af91b"));
    }

    [Theory]
    [InlineData(null, "linux/amd64")]
    [InlineData("linux/amd64", "linux/amd64")]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("amd64", "linux/amd64")]
    [InlineData("linux", "linux/amd64")]
    [InlineData("linux/aarch64", "linux/arm64")]
    [InlineData("linux/arm64/v8", "linux/arm64")]
    [InlineData("linux/arm/v7", "linux/arm/v7")]
    [InlineData("Linux/AMD64", "linux/amd64")]
    public void Platforms_normalise_like_containerd(string? input, string expected) =>
        Assert.Equal(expected, PlatformSpec.Parse(input).ToString());

    [Theory]
    [InlineData("linux/")]
    [InlineData("plan10/amd64")]
    [InlineData("linux/amd64/v2/x")]
    public void Invalid_platforms_are_refused(string input) =>
        Assert.Contains("unknown operating system or architecture", Assert.Throws<InvalidArgumentException>(() => PlatformSpec.Parse(input)).Message);

    [Fact]
    public void Platform_matching_tolerates_aliases_and_missing_variants()
    {
        Assert.True(PlatformSpec.Parse("linux/arm64").Matches(new PlatformJson { Os = "linux", Architecture = "arm64", Variant = "v8" }));
        Assert.True(PlatformSpec.Default.Matches(new PlatformJson { Os = "linux", Architecture = "x86_64" }));
        Assert.False(PlatformSpec.Default.Matches(new PlatformJson { Os = "linux", Architecture = "arm64" }));
        Assert.False(PlatformSpec.Default.Matches(new PlatformJson { Os = "unknown", Architecture = "unknown" }));
        Assert.False(PlatformSpec.Parse("linux/arm/v7").Matches(new PlatformJson { Os = "linux", Architecture = "arm", Variant = "v6" }));
        Assert.False(PlatformSpec.Default.Matches(null));
    }
}
