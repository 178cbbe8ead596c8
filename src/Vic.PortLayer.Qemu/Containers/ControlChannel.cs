using System.Net.Sockets;
using Vic.PortLayer;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// The host end of a running VM's vic.control port: QEMU listens on control.sock and we connect when there is
/// something to send. One connection at a time is served by QEMU, so one channel per container; a restarted
/// VCH simply connects again. Frames are written whole under a lock so concurrent senders never interleave.
/// </summary>
internal sealed class ControlChannel(string vmDirectory) : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private Socket? _socket;
    private NetworkStream? _stream;

    public async Task SendAsync(ControlFrame frame, CancellationToken cancellationToken)
    {
        byte[] bytes = frame.Encode();
        await _lock.WaitAsync(cancellationToken);
        try
        {
            // A connection left by a run that ended (or a QEMU that restarted) fails on first write: retry once fresh.
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    NetworkStream stream = _stream ?? await ConnectAsync(cancellationToken);
                    await stream.WriteAsync(bytes, cancellationToken);
                    return;
                }
                catch (Exception e) when (e is IOException or SocketException)
                {
                    Disconnect();
                    if (attempt > 0)
                        throw new ConflictException($"container is not accepting input: {e.Message}");
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<NetworkStream> ConnectAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConnectTimeout);
        try
        {
            _socket = await Vm.UnixSocketConnector.ConnectAsync(vmDirectory, Storage.DatastoreLayout.ControlSocketFile, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException("timed out connecting to the control socket");
        }
        _stream = new NetworkStream(_socket, ownsSocket: true);
        return _stream;
    }

    private void Disconnect()
    {
        _stream?.Dispose();
        _socket?.Dispose();
        _stream = null;
        _socket = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        try
        {
            Disconnect();
        }
        finally
        {
            _lock.Release();
        }
    }
}
