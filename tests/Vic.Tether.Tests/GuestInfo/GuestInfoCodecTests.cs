using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Vic.Tether.Protocol;
using GuestInfoCodec = Vic.Tether.Protocol.GuestInfo;

namespace Vic.Tether.Tests.GuestInfo;

public sealed class GuestInfoCodecTests
{
    private static VmSpec SampleSpec(int envCount = 2, char idDigit = 'a') => new()
    {
        Mode = VmMode.Container,
        Id = new string(idDigit, 64),
        Hostname = "web",
        HostTimeUnixMs = 1_700_000_000_000,
        Interfaces = [new NetworkInterfaceSpec { Mac = "02:42:ac:11:00:02", Name = "eth0", Address = "172.17.0.2/16", Gateway = "172.17.0.1" }],
        Process = new ProcessSpec
        {
            Args = ["sh", "-c", "echo hi"],
            Env = [.. Enumerable.Range(0, envCount).Select(i => $"VAR{i}={Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i)))}")],
        },
    };

    [Fact]
    public void RoundTripGivesTheSameSpecAndOrderedKeys()
    {
        VmSpec spec = SampleSpec();
        IReadOnlyList<KeyValuePair<string, string>> pairs = GuestInfoSpec.Encode(spec);

        Assert.Equal(["guestinfo.vic.spec.0", "guestinfo.vic.spec.encoding", "guestinfo.vic.spec.chunks", "guestinfo.vic.spec.sha256"], pairs.Select(p => p.Key));
        Assert.All(pairs, p => Assert.StartsWith(GuestInfoCodec.Prefix, p.Key));
        VmSpec back = GuestInfoSpec.Decode(pairs.ToDictionary());
        Assert.Equal(JsonSerializer.Serialize(spec, ProtocolJson.Default.VmSpec), JsonSerializer.Serialize(back, ProtocolJson.Default.VmSpec));
    }

    [Fact]
    public void BigSpecIsSplitIntoChunksThatFitAndComesBackWhole()
    {
        // Hex environment values compress poorly: several chunks.
        VmSpec spec = SampleSpec(envCount: 2000);
        IReadOnlyList<KeyValuePair<string, string>> pairs = GuestInfoSpec.Encode(spec);
        Dictionary<string, string> map = pairs.ToDictionary();
        int chunks = int.Parse(map["guestinfo.vic.spec.chunks"]);
        Assert.True(chunks > 5, $"{chunks} chunks");
        Assert.All(Enumerable.Range(0, chunks), i => Assert.InRange(map[$"guestinfo.vic.spec.{i}"].Length, 1, GuestInfoCodec.ChunkLength));
        Assert.Equal(chunks + 3, pairs.Count);
        Assert.Equal(2000, GuestInfoSpec.Decode(map).Process!.Env.Count);
    }

    [Fact]
    public void ChecksumIsSha256OfTheJoinedChunks()
    {
        Dictionary<string, string> map = GuestInfoSpec.Encode(SampleSpec(envCount: 500)).ToDictionary();
        string joined = string.Concat(Enumerable.Range(0, int.Parse(map["guestinfo.vic.spec.chunks"])).Select(i => map[$"guestinfo.vic.spec.{i}"]));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined))), map["guestinfo.vic.spec.sha256"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    public void ManagedSha256MatchesThePlatform(int length)
    {
        byte[] data = [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7))];
        Assert.Equal(SHA256.HashData(data), Sha256.Hash(data));
    }

    [Fact]
    public void MissingChunkIsRefusedByName()
    {
        Dictionary<string, string> map = GuestInfoSpec.Encode(SampleSpec(envCount: 2000)).ToDictionary();
        map.Remove("guestinfo.vic.spec.2");
        var e = Assert.Throws<GuestInfoException>(() => GuestInfoSpec.Decode(map));
        Assert.StartsWith("guestinfo key guestinfo.vic.spec.2 missing (", e.Message);
    }

    [Theory]
    [InlineData("guestinfo.vic.spec.chunks")]
    [InlineData("guestinfo.vic.spec.sha256")]
    [InlineData("guestinfo.vic.spec.encoding")]
    public void MissingMetadataIsRefusedByName(string key)
    {
        Dictionary<string, string> map = GuestInfoSpec.Encode(SampleSpec()).ToDictionary();
        map.Remove(key);
        Assert.Equal($"guestinfo key {key} missing", Assert.Throws<GuestInfoException>(() => GuestInfoSpec.Decode(map)).Message);
    }

    [Fact]
    public void ChunkBeyondTheCountIsATornWrite()
    {
        // A longer spec was written before; the new, shorter one left its last chunk behind.
        Dictionary<string, string> longer = GuestInfoSpec.Encode(SampleSpec(envCount: 2000)).ToDictionary();
        Dictionary<string, string> map = GuestInfoSpec.Encode(SampleSpec()).ToDictionary();
        map["guestinfo.vic.spec.1"] = longer["guestinfo.vic.spec.1"];
        var e = Assert.Throws<GuestInfoException>(() => GuestInfoSpec.Decode(map));
        Assert.Equal("guestinfo key guestinfo.vic.spec.1 is set but guestinfo.vic.spec.chunks announces 1: a torn or partial write", e.Message);
    }

    [Fact]
    public void ChunkFromAnotherSpecFailsTheChecksum()
    {
        Dictionary<string, string> other = GuestInfoSpec.Encode(SampleSpec(envCount: 2000, idDigit: 'b')).ToDictionary();
        Dictionary<string, string> map = GuestInfoSpec.Encode(SampleSpec(envCount: 2000)).ToDictionary();
        map["guestinfo.vic.spec.0"] = other["guestinfo.vic.spec.0"];
        var e = Assert.Throws<GuestInfoException>(() => GuestInfoSpec.Decode(map));
        Assert.Contains("but guestinfo.vic.spec.sha256 is", e.Message);
        Assert.EndsWith(": a torn, partial or corrupt set", e.Message);
    }

    [Fact]
    public void CorruptChunkFailsTheChecksum()
    {
        Dictionary<string, string> map = GuestInfoSpec.Encode(SampleSpec()).ToDictionary();
        string chunk = map["guestinfo.vic.spec.0"];
        map["guestinfo.vic.spec.0"] = (chunk[0] == 'A' ? "B" : "A") + chunk[1..];
        Assert.Contains("a torn, partial or corrupt set", Assert.Throws<GuestInfoException>(() => GuestInfoSpec.Decode(map)).Message);
    }

    [Fact]
    public void CorruptStreamWithAMatchingChecksumIsRefusedAsCorrupt()
    {
        // Someone wrote garbage and its checksum: the content check still catches it.
        string garbage = Convert.ToBase64String(Encoding.UTF8.GetBytes("not a deflate stream at all"));
        var map = new Dictionary<string, string>
        {
            ["guestinfo.vic.spec.0"] = garbage,
            ["guestinfo.vic.spec.encoding"] = GuestInfoCodec.Encoding,
            ["guestinfo.vic.spec.chunks"] = "1",
            ["guestinfo.vic.spec.sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(garbage))),
        };
        var e = Assert.Throws<GuestInfoException>(() => GuestInfoSpec.Decode(map));
        Assert.StartsWith("guestinfo document spec: the deflate stream is corrupt", e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("x")]
    [InlineData("99999")]
    public void BadChunkCountIsRefused(string count)
    {
        Dictionary<string, string> map = GuestInfoSpec.Encode(SampleSpec()).ToDictionary();
        map["guestinfo.vic.spec.chunks"] = count;
        Assert.Equal($"guestinfo key guestinfo.vic.spec.chunks is \"{count}\", not a chunk count from 1 to {GuestInfoCodec.MaxChunks}",
            Assert.Throws<GuestInfoException>(() => GuestInfoSpec.Decode(map)).Message);
    }

    [Fact]
    public void UnknownEncodingIsRefusedByName()
    {
        Dictionary<string, string> map = GuestInfoSpec.Encode(SampleSpec()).ToDictionary();
        map["guestinfo.vic.spec.encoding"] = "zstd+base64";
        Assert.Equal("guestinfo key guestinfo.vic.spec.encoding is \"zstd+base64\"; this tether reads \"deflate+base64\"",
            Assert.Throws<GuestInfoException>(() => GuestInfoSpec.Decode(map)).Message);
    }

    [Fact]
    public void VmxTextRoundTripsAndRefusesBadLines()
    {
        IReadOnlyList<KeyValuePair<string, string>> pairs = GuestInfoSpec.Encode(SampleSpec());
        string text = GuestInfoText.Format(pairs);
        Assert.StartsWith("guestinfo.vic.spec.0 = \"", text);
        Assert.Equal(pairs.ToDictionary(), GuestInfoText.Parse("# written by a test\n\n" + text.Replace("\n", "\r\n")));

        Assert.Equal("guestinfo text line 2 is not key = \"value\": guestinfo.vic.x = unquoted",
            Assert.Throws<GuestInfoException>(() => GuestInfoText.Parse("guestinfo.vic.a = \"1\"\nguestinfo.vic.x = unquoted\n")).Message);
        Assert.Equal("guestinfo text line 2: key guestinfo.vic.a set twice",
            Assert.Throws<GuestInfoException>(() => GuestInfoText.Parse("guestinfo.vic.a = \"1\"\nguestinfo.vic.a = \"2\"\n")).Message);
        Assert.Throws<GuestInfoException>(() => GuestInfoText.Parse("displayName = \"not guestinfo\"\n"));
        Assert.Throws<ArgumentException>(() => GuestInfoText.Format([new("guestinfo.vic.a", "has \" quote")]));
    }
}
