using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.Tether.Tests.GuestInfo;

public sealed class BackdoorTests
{
    private static readonly VmSpec Spec = new()
    {
        Mode = VmMode.Container,
        Id = "c0ffee",
        Process = new ProcessSpec { Args = ["sh", "-c", string.Concat(Enumerable.Repeat("echo some output; ", 2000))] },
    };

    [Fact]
    public void GetVersionReportsWhatTheHypervisorAnswers()
    {
        Assert.Equal(6u, new VmwareBackdoor(new FakeVmx(new Dictionary<string, string>())).GetVersion());
    }

    [Fact]
    public void NothingOnThePortMeansNoVersion()
    {
        // An unclaimed I/O port reads as all ones.
        Assert.Null(new VmwareBackdoor(new NoDevice()).GetVersion());
    }

    [Fact]
    public void InfoGetReturnsTheValueOrNull()
    {
        var vmx = new FakeVmx(new Dictionary<string, string> { ["guestinfo.a"] = "hello, backdoor", ["guestinfo.empty"] = "" });
        var backdoor = new VmwareBackdoor(vmx);
        Assert.Equal("hello, backdoor", backdoor.GetGuestInfo("guestinfo.a"));
        Assert.Equal("", backdoor.GetGuestInfo("guestinfo.empty"));
        Assert.Null(backdoor.GetGuestInfo("guestinfo.absent"));
        Assert.Equal(["info-get guestinfo.a", "info-get guestinfo.empty", "info-get guestinfo.absent"], vmx.Requests);
        Assert.Equal(0, vmx.OpenChannels); // every request closed its channel
    }

    [Fact]
    public void InfoSetWritesOneLineTheHostCanRead()
    {
        var vmx = new FakeVmx(new Dictionary<string, string>());
        var backdoor = new VmwareBackdoor(vmx);
        backdoor.SetGuestInfo("guestinfo.vic.apply.error", "failed to apply layer: bad tar\nentry 3");
        Assert.Equal("failed to apply layer: bad tar entry 3", vmx.Set["guestinfo.vic.apply.error"]);
        var e = Assert.Throws<BackdoorException>(() => backdoor.SetGuestInfo("vic.not-guestinfo", "x"));
        Assert.Equal("RPCI info-set vic.not-guestinfo: refused (\"0 Invalid key name\")", e.Message);
        Assert.Equal(0, vmx.OpenChannels);
    }

    [Fact]
    public void WholeSpecComesThroughTheChannel()
    {
        IReadOnlyList<KeyValuePair<string, string>> pairs = GuestInfoSpec.Encode(Spec);
        var vmx = new FakeVmx(pairs.ToDictionary());
        byte[] json = GuestInfoSpec.DecodeJson(new VmwareBackdoor(vmx).GetGuestInfo);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(Spec, ProtocolJson.Default.VmSpec), json);
        // encoding, chunks, sha256, each chunk, and the probe for one chunk beyond the count.
        Assert.Equal(pairs.Count + 1, vmx.Requests.Count);
    }

    [Fact]
    public void MissingChunkThroughTheChannelNamesTheKey()
    {
        Dictionary<string, string> pairs = GuestInfoSpec.Encode(Spec).ToDictionary();
        pairs.Remove("guestinfo.vic.spec.0");
        var e = Assert.Throws<GuestInfoException>(() => GuestInfoSpec.DecodeJson(new VmwareBackdoor(new FakeVmx(pairs)).GetGuestInfo));
        Assert.StartsWith("guestinfo key guestinfo.vic.spec.0 missing", e.Message);
    }

    [Fact]
    public void ChannelRefusedIsAClearErrorNotAWait()
    {
        var vmx = new FakeVmx(new Dictionary<string, string>()) { MessagesUnsupported = true };
        var backdoor = new VmwareBackdoor(vmx);
        Assert.Equal(6u, backdoor.GetVersion());
        var e = Assert.Throws<BackdoorException>(() => backdoor.GetGuestInfo("guestinfo.vic.spec.encoding"));
        Assert.Equal("the backdoor refused to open an RPCI channel (status 0x0000): no guestinfo can be read", e.Message);
        Assert.Equal(2, vmx.Calls);
    }

    [Fact]
    public void CheckpointDuringSendIsRetried()
    {
        var vmx = new FakeVmx(new Dictionary<string, string> { ["guestinfo.a"] = "value" }) { CheckpointsOnSend = 2 };
        Assert.Equal("value", new VmwareBackdoor(vmx).GetGuestInfo("guestinfo.a"));
    }

    [Fact]
    public void EndlessCheckpointsGiveUp()
    {
        var vmx = new FakeVmx(new Dictionary<string, string> { ["guestinfo.a"] = "value" }) { CheckpointsOnSend = 100 };
        var e = Assert.Throws<BackdoorException>(() => new VmwareBackdoor(vmx).GetGuestInfo("guestinfo.a"));
        Assert.Equal("RPCI request \"info-get guestinfo.a\": interrupted by checkpoints 3 times", e.Message);
        Assert.Equal(0, vmx.OpenChannels);
    }

    [Fact]
    public void OtherRequestsGetTheHypervisorsReplyText()
    {
        Assert.Equal("0 Unknown command", new VmwareBackdoor(new FakeVmx(new Dictionary<string, string>())).Request("bogus"));
    }

    private sealed class NoDevice : IBackdoorPort
    {
        public BackdoorRegisters Call(BackdoorRegisters registers) => registers with { Eax = uint.MaxValue, Ebx = uint.MaxValue };
    }
}
