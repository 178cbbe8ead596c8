using System.Buffers;
using System.Threading.Channels;
using Vic.PortLayer;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>A piece of a session's data from the guest: bytes of a FileData frame, or a transfer-disk slot holding
/// <see cref="Length"/> bytes (FileSlot frame) that must be freed once read.</summary>
internal readonly record struct FilePiece(byte[]? Data, int Slot, int Length);

/// <summary>
/// The host side of one file session: the guest's stat, data and result frames fill it; data is bounded, so a slow
/// reader slows the guest rather than growing the VCH's memory (a slot counts as one piece, and the guest has only so
/// many). Data sent to the guest (a Put's tar) goes out in transfer-disk slots when the VM has that disk, else in frames.
/// </summary>
internal sealed class FileSession(ControlChannel channel, uint number) : IChannelSession
{
    private const int DataBound = 64;
    private readonly Channel<FilePiece> _data = Channel.CreateBounded<FilePiece>(new BoundedChannelOptions(DataBound)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly TaskCompletionSource<PathStat?> _stat = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<FileResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _discard;

    public uint Number { get; } = number;

    /// <summary>The path's stat, or null when the session ended without one (see <see cref="Done"/>).</summary>
    public Task<PathStat?> Stat => _stat.Task;

    /// <summary>How the session ended, once every data frame has been delivered.</summary>
    public Task<FileResult> Done => _done.Task;

    public async ValueTask DeliverAsync(ControlFrameKind kind, byte[] payload)
    {
        switch (kind)
        {
            case ControlFrameKind.FileStat:
                _stat.TrySetResult(IChannelSession.ReadJson(payload, ProtocolJson.Default.PathStat));
                break;
            case ControlFrameKind.FileData when !_discard:
                await QueueAsync(new FilePiece(payload, -1, payload.Length));
                break;
            case ControlFrameKind.FileSlot:
                if (!ControlFrame.TryReadSlot(payload, out int slot, out int length))
                    break;
                if (_discard || channel.Transfer is not { } transfer || !transfer.Spec.IsToHost(slot) || length > transfer.Spec.SlotBytes)
                    await channel.FreeSlotAsync(slot);
                else
                    await QueueAsync(new FilePiece(null, slot, length));
                break;
            case ControlFrameKind.FileDone:
                Finish(IChannelSession.ReadJson(payload, ProtocolJson.Default.FileResult)
                    ?? new FileResult { Error = FileErrorKind.Failed, Message = "the guest's answer could not be read" });
                break;
        }
    }

    private async ValueTask QueueAsync(FilePiece piece)
    {
        try
        {
            await _data.Writer.WriteAsync(piece);
            if (_discard)
                await DrainAsync(); // discarded while we waited: nobody will read it
        }
        catch (ChannelClosedException)
        {
            // Ended meanwhile.
            if (piece.Data is null)
                await channel.FreeSlotAsync(piece.Slot);
        }
    }

    public void EndWithContainer() =>
        Finish(new FileResult { Error = FileErrorKind.Failed, Message = "the container stopped during the file operation" });

    private void Finish(FileResult result)
    {
        _stat.TrySetResult(null);
        _data.Writer.TryComplete();
        _done.TrySetResult(result);
    }

    /// <summary>The next piece of the guest's data, or null at its end.</summary>
    public async ValueTask<FilePiece?> ReadAsync(CancellationToken cancellationToken)
    {
        while (await _data.Reader.WaitToReadAsync(cancellationToken))
        {
            if (_data.Reader.TryRead(out FilePiece piece))
                return piece;
        }
        return null;
    }

    /// <summary>Reads bytes of a slot the guest wrote (see <see cref="FilePiece"/>).</summary>
    public ValueTask<int> ReadSlotAsync(int slot, int offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        (channel.Transfer ?? throw new InternalException("the VM has no transfer disk")).ReadAsync(slot, offset, buffer, cancellationToken);

    /// <summary>A slot has been read: the guest may write it again.</summary>
    public Task FreeSlotAsync(int slot) => channel.FreeSlotAsync(slot);

    /// <summary>Sends data to the guest (a Put's tar) in frames; false once the guest has ended the session (it failed).</summary>
    public async Task<bool> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        for (int offset = 0; offset < data.Length; offset += ControlFrame.MaxPayload)
        {
            if (_done.Task.IsCompleted)
                return false;
            var piece = data.Slice(offset, Math.Min(ControlFrame.MaxPayload, data.Length - offset));
            await channel.SendAsync(new ControlFrame(ControlFrameKind.FileData, Number, piece), cancellationToken);
        }
        return !_done.Task.IsCompleted;
    }

    /// <summary>
    /// Sends all of <paramref name="source"/> to the guest through the transfer disk: a slot at a time, each filled
    /// whole (the last one excepted), written to the file and announced with a FileSlot frame. Waits for a free slot
    /// while the guest is behind. False once the guest has ended the session (it failed).
    /// </summary>
    public async Task<bool> WriteSlotsAsync(Stream source, TransferDiskFile transfer, CancellationToken cancellationToken)
    {
        int size = transfer.Spec.SlotBytes;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            while (true)
            {
                int read = await source.ReadAtLeastAsync(buffer.AsMemory(0, size), size, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                    return !_done.Task.IsCompleted;
                int slot = await TakeSlotAsync(transfer, cancellationToken);
                if (slot < 0)
                    return false;
                try
                {
                    await transfer.WriteAsync(slot, buffer.AsMemory(0, read), cancellationToken);
                    await channel.SendAsync(ControlFrame.FileSlot(Number, slot, read), cancellationToken);
                }
                catch
                {
                    transfer.ToGuest.Free(slot);
                    throw;
                }
                if (read < size)
                    return !_done.Task.IsCompleted;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A free host slot, or -1 when the session ended while waiting (the guest stopped reading).</summary>
    private async Task<int> TakeSlotAsync(TransferDiskFile transfer, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<int> take = transfer.ToGuest.TakeAsync(wait.Token).AsTask();
        if (await Task.WhenAny(take, _done.Task) == take)
            return await take;
        await wait.CancelAsync();
        try
        {
            transfer.ToGuest.Free(await take);
        }
        catch (OperationCanceledException)
        {
            // Never taken.
        }
        cancellationToken.ThrowIfCancellationRequested();
        return -1;
    }

    public Task EndInputAsync(CancellationToken cancellationToken) =>
        channel.SendAsync(new ControlFrame(ControlFrameKind.FileDataEnd, Number, ReadOnlyMemory<byte>.Empty), cancellationToken);

    /// <summary>Nobody reads any more: later data is dropped (slots freed) so the channel's reader never waits on this session.</summary>
    public void Discard()
    {
        _discard = true;
        _ = DrainAsync();
    }

    private async Task DrainAsync()
    {
        while (_data.Reader.TryRead(out FilePiece piece))
        {
            if (piece.Data is null)
                await channel.FreeSlotAsync(piece.Slot);
        }
    }

    /// <summary>Throws the port layer's error for a failed result.</summary>
    public static void ThrowIfFailed(FileResult result)
    {
        switch (result.Error)
        {
            case FileErrorKind.None:
                return;
            case FileErrorKind.NotFound:
                throw new NotFoundException(result.Message);
            case FileErrorKind.Invalid:
                throw new InvalidArgumentException(result.Message);
            default:
                throw new InternalException(result.Message);
        }
    }
}
