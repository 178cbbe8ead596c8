using Vic.Tether.Protocol;

namespace Vic.Tether.Tests;

public sealed class ControlFrameTests
{
    [Fact]
    public void NicChangeFramesRoundTripAndTheirHeadersAreAccepted()
    {
        var change = new NicChange
        {
            SlotMac = "02:56:00:11:22:33",
            Interface = new NetworkInterfaceSpec { Mac = "02:42:ac:11:00:05", Name = "eth1", Address = "172.17.0.5/16" },
        };
        byte[] encoded = ControlFrame.ForNicChange(7, change).Encode();
        Assert.True(ControlFrame.TryReadHeader(encoded.AsSpan(0, ControlFrame.HeaderLength), out ControlFrameKind kind, out uint session, out int length));
        Assert.Equal(ControlFrameKind.NicChange, kind);
        Assert.Equal(7u, session);
        var decoded = System.Text.Json.JsonSerializer.Deserialize(encoded.AsSpan(ControlFrame.HeaderLength, length), ProtocolJson.Default.NicChange);
        Assert.Equal(change.SlotMac, decoded!.SlotMac);
        Assert.Equal("eth1", decoded.Interface!.Name);

        byte[] answer = new ControlFrame(ControlFrameKind.NicChanged, 7, Array.Empty<byte>()).Encode();
        Assert.True(ControlFrame.TryReadHeader(answer.AsSpan(0, ControlFrame.HeaderLength), out kind, out _, out _));
        Assert.Equal(ControlFrameKind.NicChanged, kind);
    }

    [Fact]
    public void EveryDefinedKindIsAcceptedByTheHeaderReader()
    {
        // A kind missing from the reader's list makes the tether drop frames silently: this keeps the two in step.
        foreach (ControlFrameKind kind in Enum.GetValues<ControlFrameKind>())
        {
            byte[] frame = new ControlFrame(kind, 0, Array.Empty<byte>()).Encode();
            Assert.True(ControlFrame.TryReadHeader(frame, out ControlFrameKind read, out _, out _), $"{kind} refused");
            Assert.Equal(kind, read);
        }
    }

    [Fact]
    public void UnknownKindsAreRefused()
    {
        byte[] frame = new ControlFrame((ControlFrameKind)19, 1, Array.Empty<byte>()).Encode();
        Assert.False(ControlFrame.TryReadHeader(frame.AsSpan(0, ControlFrame.HeaderLength), out _, out _, out _));
    }
}
