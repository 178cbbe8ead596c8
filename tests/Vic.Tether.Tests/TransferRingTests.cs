using Vic.Tether.Protocol;

namespace Vic.Tether.Tests;

/// <summary>The transfer disk's contract: slot frames, who writes which slot, and the slot pool each side keeps.</summary>
public sealed class TransferRingTests
{
    private static TransferSpec Spec(int slotBytes = 1 << 20, int slots = 8) =>
        new() { Device = "/dev/vdc", SlotBytes = slotBytes, SlotsPerDirection = slots };

    [Fact]
    public void SlotFramesRoundTripAndTheirHeadersAreAccepted()
    {
        byte[] slot = ControlFrame.FileSlot(42, 9, 123456).Encode();
        Assert.True(ControlFrame.TryReadHeader(slot.AsSpan(0, ControlFrame.HeaderLength), out ControlFrameKind kind, out uint session, out int length));
        Assert.Equal((ControlFrameKind.FileSlot, 42u, 8), (kind, session, length));
        Assert.True(ControlFrame.TryReadSlot(slot.AsSpan(ControlFrame.HeaderLength), out int number, out int bytes));
        Assert.Equal((9, 123456), (number, bytes));

        byte[] free = ControlFrame.FileSlotFree(3).Encode();
        Assert.True(ControlFrame.TryReadHeader(free.AsSpan(0, ControlFrame.HeaderLength), out kind, out session, out length));
        Assert.Equal((ControlFrameKind.FileSlotFree, 0u, 4), (kind, session, length));
        Assert.True(ControlFrame.TryReadSlot(free.AsSpan(ControlFrame.HeaderLength), out number, out bytes));
        Assert.Equal((3, -1), (number, bytes));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0, 0, 1 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0, 0, 0, 1, 0x80, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 1, 0, 0, 0, 0, 0 })]
    public void MalformedSlotPayloadsAreRefused(byte[] payload) =>
        Assert.False(ControlFrame.TryReadSlot(payload, out _, out _));

    [Fact]
    public void TheHostWritesTheFirstHalfAndTheGuestTheSecond()
    {
        TransferSpec spec = Spec(slotBytes: 4096, slots: 4);
        Assert.Equal(8 * 4096, spec.DiskBytes);
        Assert.Equal(5 * 4096, spec.Offset(5));
        Assert.All(Enumerable.Range(0, 4), s => Assert.True(spec.IsToGuest(s) && !spec.IsToHost(s)));
        Assert.All(Enumerable.Range(4, 4), s => Assert.True(spec.IsToHost(s) && !spec.IsToGuest(s)));
        Assert.False(spec.IsToGuest(-1) || spec.IsToHost(8));
    }

    [Fact]
    public void GeometryTheGuestCannotUseIsNamed()
    {
        Assert.Null(Spec().Problem());
        Assert.Equal("slot size 1000 is not a positive multiple of 4096", Spec(slotBytes: 1000).Problem());
        Assert.Equal("0 slots per direction is out of range (1..1024)", Spec(slots: 0).Problem());
        Assert.Equal("no transfer device", (Spec() with { Device = "" }).Problem());
    }

    [Fact]
    public void PoolHandsOutItsOwnSlotsAndIgnoresFreesOfSlotsThatAreNotOut()
    {
        var pool = new TransferSlotPool(first: 4, count: 2);
        int a = pool.Take();
        int b = pool.Take();
        Assert.Equal(new[] { 4, 5 }, new[] { a, b }.Order());
        Assert.Equal(-1, pool.TryTake(TimeSpan.FromMilliseconds(1)));

        // A peer freeing a slot twice, or one it was never given, must not let the pool hand out more than it owns.
        Assert.False(pool.Free(0));
        Assert.True(pool.Free(a));
        Assert.False(pool.Free(a));
        Assert.Equal(a, pool.Take());
        Assert.Equal(-1, pool.TryTake(TimeSpan.FromMilliseconds(1)));
        Assert.Equal(2, pool.Outstanding);
    }

    [Fact]
    public async Task ATakerWaitsForAFreeAndResetGivesEverySlotBack()
    {
        var pool = new TransferSlotPool(first: 0, count: 1);
        int only = await pool.TakeAsync(CancellationToken.None);
        ValueTask<int> waiting = pool.TakeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        pool.Free(only);
        Assert.Equal(only, await waiting);

        pool.Reset(); // the peer went away holding it
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(only, pool.TryTake(TimeSpan.Zero));
        Assert.False(pool.Free(7));
        pool.Reset();
        pool.Reset();
        Assert.Equal(only, pool.TryTake(TimeSpan.Zero));
        Assert.Equal(-1, pool.TryTake(TimeSpan.Zero));
    }

    [Fact]
    public void TheRequestAsksForTheTransferDiskAndTheSpecCarriesIt()
    {
        var request = new FileRequest { Operation = FileOperation.Get, Path = "/x", UseTransfer = true };
        byte[] json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJson.Default.FileRequest);
        Assert.True(System.Text.Json.JsonSerializer.Deserialize(json, ProtocolJson.Default.FileRequest)!.UseTransfer);

        var spec = new VmSpec { Mode = VmMode.Files, Id = "abc", Transfer = Spec() };
        byte[] specJson = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(spec, ProtocolJson.Default.VmSpec);
        Assert.Equal(Spec(), System.Text.Json.JsonSerializer.Deserialize(specJson, ProtocolJson.Default.VmSpec)!.Transfer);
    }
}
