using System.Threading.Channels;
using Vic.PortLayer;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// The host side of one file session: the guest's stat, data and result frames fill it; data is bounded, so a slow
/// reader slows the guest rather than growing the VCH's memory. Data sent to the guest (a Put's tar) goes out in frames.
/// </summary>
internal sealed class FileSession(ControlChannel channel, uint number) : IChannelSession
{
    private const int DataBound = 64;
    private readonly Channel<byte[]> _data = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(DataBound)
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
                try
                {
                    await _data.Writer.WriteAsync(payload);
                }
                catch (ChannelClosedException)
                {
                    // Ended meanwhile.
                }
                break;
            case ControlFrameKind.FileDone:
                Finish(IChannelSession.ReadJson(payload, ProtocolJson.Default.FileResult)
                    ?? new FileResult { Error = FileErrorKind.Failed, Message = "the guest's answer could not be read" });
                break;
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
    public async ValueTask<byte[]?> ReadAsync(CancellationToken cancellationToken)
    {
        while (await _data.Reader.WaitToReadAsync(cancellationToken))
        {
            if (_data.Reader.TryRead(out byte[]? chunk))
                return chunk;
        }
        return null;
    }

    /// <summary>Sends data to the guest (a Put's tar); false once the guest has ended the session (it failed).</summary>
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

    public Task EndInputAsync(CancellationToken cancellationToken) =>
        channel.SendAsync(new ControlFrame(ControlFrameKind.FileDataEnd, Number, ReadOnlyMemory<byte>.Empty), cancellationToken);

    /// <summary>Nobody reads any more: later data is dropped so the channel's reader never waits on this session.</summary>
    public void Discard()
    {
        _discard = true;
        while (_data.Reader.TryRead(out _))
        {
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
