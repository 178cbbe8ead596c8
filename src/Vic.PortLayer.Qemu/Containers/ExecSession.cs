using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Vic.PortLayer;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// The host side of one exec session on a <see cref="ControlChannel"/>: the guest's frames fill it, the caller reads
/// output and sends input. Output is bounded: a reader that stops reading slows the guest's relay instead of the
/// VCH's memory growing.
/// </summary>
internal sealed class ExecSession(ControlChannel channel, uint number, bool openStdin) : IExecSession, IChannelSession
{
    private const int OutputBound = 256;
    private readonly Channel<OutputChunk> _output = Channel.CreateBounded<OutputChunk>(new BoundedChannelOptions(OutputBound)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly TaskCompletionSource<int> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ContainerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _discard;

    public uint Number { get; } = number;
    public int Pid { get; private set; }
    public Task<ContainerExit> Exited => _exited.Task;

    /// <summary>Completes with the pid once running, or with 0 when the session ended first (it could not start).</summary>
    public Task<int> Started => _started.Task;

    /// <summary>True when the session ended because its container stopped before the guest reported an exit.</summary>
    public bool EndedWithContainer { get; private set; }

    public async IAsyncEnumerable<OutputChunk> ReadOutputAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (OutputChunk chunk in _output.Reader.ReadAllAsync(cancellationToken))
            yield return chunk;
    }

    public async ValueTask DeliverAsync(ControlFrameKind kind, byte[] payload)
    {
        switch (kind)
        {
            case ControlFrameKind.ExecStdout:
                await AddOutputAsync(OutputStream.Stdout, payload);
                break;
            case ControlFrameKind.ExecStderr:
                await AddOutputAsync(OutputStream.Stderr, payload);
                break;
            case ControlFrameKind.ExecStarted:
                SetStarted(IChannelSession.ReadJson(payload, ProtocolJson.Default.StartedReport)?.Pid ?? 0);
                break;
            case ControlFrameKind.ExecExit:
                ExitReport? report = IChannelSession.ReadJson(payload, ProtocolJson.Default.ExitReport);
                SetExited(new ContainerExit(report?.ExitCode ?? 255, report?.Error ?? ""));
                break;
        }
    }

    public void EndWithContainer() => SetExited(new ContainerExit(137, ""), stopped: true);

    internal async ValueTask AddOutputAsync(OutputStream stream, byte[] data)
    {
        if (_discard)
            return;
        try
        {
            await _output.Writer.WriteAsync(new OutputChunk(stream, DateTimeOffset.UtcNow, data));
        }
        catch (ChannelClosedException)
        {
            // The session ended meanwhile; late output has nowhere to go.
        }
    }

    internal void SetStarted(int pid)
    {
        Pid = pid;
        _started.TrySetResult(pid);
    }

    internal void SetExited(ContainerExit exit, bool stopped = false)
    {
        EndedWithContainer = stopped && !_exited.Task.IsCompleted;
        _output.Writer.TryComplete();
        _started.TrySetResult(0);
        _exited.TrySetResult(exit);
    }

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        EnsureInputAccepted();
        return SendChunkedAsync(data, cancellationToken);
    }

    private async Task SendChunkedAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        foreach (ControlFrame frame in ControlFrame.Stdin(Number, data))
            await channel.SendAsync(frame, cancellationToken);
    }

    public Task CloseStdinAsync(CancellationToken cancellationToken)
    {
        EnsureInputAccepted();
        return channel.SendAsync(new ControlFrame(ControlFrameKind.StdinClose, Number, ReadOnlyMemory<byte>.Empty), cancellationToken);
    }

    public Task ResizeAsync(ushort rows, ushort columns, CancellationToken cancellationToken)
    {
        if (_exited.Task.IsCompleted)
            throw new ConflictException("the exec process has ended");
        return channel.SendAsync(ControlFrame.Resize(rows, columns, Number), cancellationToken);
    }

    public Task SignalAsync(int signal, CancellationToken cancellationToken) =>
        _exited.Task.IsCompleted ? Task.CompletedTask : channel.SendAsync(ControlFrame.Signal(signal, Number), cancellationToken);

    private void EnsureInputAccepted()
    {
        if (!openStdin)
            throw new ConflictException("the exec process was not started with an open stdin");
        if (_exited.Task.IsCompleted)
            throw new ConflictException("the exec process has ended");
    }

    /// <summary>Nobody reads any more: output is dropped from now on (the process runs on; its exit is still recorded).</summary>
    public ValueTask DisposeAsync()
    {
        _discard = true;
        while (_output.Reader.TryRead(out _))
        {
        }
        return ValueTask.CompletedTask;
    }
}
