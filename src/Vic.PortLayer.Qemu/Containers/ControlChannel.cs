using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using Vic.PortLayer;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// The host end of a running VM's vic.control port: QEMU listens on control.sock and we connect when there is
/// something to send. One connection at a time is served by QEMU, so one channel per container; a restarted
/// VCH simply connects again. Frames are written whole under a lock so concurrent senders never interleave.
/// While connected, a reader takes the guest's frames (exec sessions' output, start and exit) and routes them to
/// the sessions this channel started.
/// </summary>
internal sealed class ControlChannel(string vmDirectory) : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReconnectBackoff = TimeSpan.FromMilliseconds(200);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly ConcurrentDictionary<uint, IChannelSession> _sessions = new();
    private readonly CancellationTokenSource _disposed = new();
    // Sessions of a previous VCH process may still run in the guest: numbering from a random point keeps a new
    // process's numbers clear of theirs.
    private int _nextSession = Random.Shared.Next(1, int.MaxValue / 2);
    private readonly Lazy<TransferDiskFile?> _transfer = new(() => TransferDiskFile.Open(vmDirectory));
    private Socket? _socket;
    private NetworkStream? _stream;

    /// <summary>The VM's transfer disk, or null when it was booted without one (its sessions use FileData frames).</summary>
    public TransferDiskFile? Transfer => _transfer.Value;

    /// <summary>Tells the guest it may write a slot again; lost with the connection, which frees the guest's slots anyway.</summary>
    public async Task FreeSlotAsync(int slot)
    {
        try
        {
            await SendAsync(ControlFrame.FileSlotFree(slot), CancellationToken.None);
        }
        catch (Exception e) when (e is ConflictException or ObjectDisposedException or OperationCanceledException)
        {
            // The VM is gone or the connection dropped: the guest resets its slots when the host goes away.
        }
    }

    public async Task SendAsync(ControlFrame frame, CancellationToken cancellationToken)
    {
        byte[] bytes = frame.Encode();
        await _lock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
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

    /// <summary>Starts an exec session: registers it, then asks the guest to launch it.</summary>
    public async Task<ExecSession> StartExecAsync(ProcessSpec process, CancellationToken cancellationToken)
    {
        uint number = (uint)Interlocked.Increment(ref _nextSession);
        var session = new ExecSession(this, number, process.OpenStdin);
        _sessions[number] = session;
        try
        {
            await SendAsync(ControlFrame.ExecStart(number, process), cancellationToken);
        }
        catch
        {
            _sessions.TryRemove(number, out _);
            throw;
        }
        return session;
    }

    /// <summary>Asks the guest to plug or unplug a NIC slot (docker network connect/disconnect of the running
    /// container) and waits for its answer: "" or why it failed. Ends with the container (Conflict).</summary>
    public async Task<string> ChangeNicAsync(NicChange change, CancellationToken cancellationToken)
    {
        uint number = (uint)Interlocked.Increment(ref _nextSession);
        var session = new NicSession();
        _sessions[number] = session;
        try
        {
            await SendAsync(ControlFrame.ForNicChange(number, change), cancellationToken);
            return await session.Result.WaitAsync(cancellationToken);
        }
        finally
        {
            _sessions.TryRemove(number, out _);
        }
    }

    /// <summary>Starts a file session (docker cp, diff, export, commit): registers it, then sends the request.</summary>
    public async Task<FileSession> StartFileAsync(FileRequest request, CancellationToken cancellationToken)
    {
        uint number = (uint)Interlocked.Increment(ref _nextSession);
        var session = new FileSession(this, number);
        _sessions[number] = session;
        try
        {
            await SendAsync(ControlFrame.FileStart(number, request), cancellationToken);
        }
        catch
        {
            _sessions.TryRemove(number, out _);
            throw;
        }
        return session;
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
        var stream = new NetworkStream(_socket, ownsSocket: true);
        _stream = stream;
        _ = Task.Run(() => ReadLoopAsync(stream), CancellationToken.None);
        return stream;
    }

    /// <summary>Reads the guest's frames from one connection until it ends.</summary>
    private async Task ReadLoopAsync(NetworkStream stream)
    {
        var header = new byte[ControlFrame.HeaderLength];
        try
        {
            while (!_disposed.IsCancellationRequested)
            {
                await stream.ReadExactlyAsync(header, _disposed.Token);
                if (!ControlFrame.TryReadHeader(header, out ControlFrameKind kind, out uint number, out int length))
                    break; // cannot resynchronise inside a stream: drop the connection, the next one starts clean
                var payload = new byte[length];
                await stream.ReadExactlyAsync(payload, _disposed.Token);
                if (kind == ControlFrameKind.FileSlotFree)
                {
                    if (ControlFrame.TryReadSlot(payload, out int freed, out _))
                        Transfer?.ToGuest.Free(freed);
                }
                else if (_sessions.TryGetValue(number, out IChannelSession? session))
                {
                    if (kind is ControlFrameKind.ExecExit or ControlFrameKind.FileDone or ControlFrameKind.NicChanged)
                        _sessions.TryRemove(number, out _);
                    await session.DeliverAsync(kind, payload);
                }
                else if (kind == ControlFrameKind.FileSlot && ControlFrame.TryReadSlot(payload, out int orphan, out _))
                {
                    await FreeSlotAsync(orphan); // a session that ended or was never ours: the guest needs its slot back
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection ended: the VM stopped (the watcher then ends every session) or QEMU dropped us.
        }
        await _lock.WaitAsync();
        try
        {
            if (ReferenceEquals(_stream, stream))
                Disconnect();
        }
        finally
        {
            _lock.Release();
        }
        // Sessions still waiting for output need a connection even when nobody sends anything.
        while (!_disposed.IsCancellationRequested && !_sessions.IsEmpty && _stream is null)
        {
            try
            {
                await Task.Delay(ReconnectBackoff, _disposed.Token);
                await EnsureConnectedAsync(_disposed.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ConflictException or ObjectDisposedException)
            {
                // Try again until the VM is found stopped and the channel disposed.
            }
        }
    }

    private async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_stream is null && !_disposed.IsCancellationRequested)
                await ConnectAsync(cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void Disconnect()
    {
        // Slots the guest had not freed are free again: its tether drops whatever it was reading when the host goes.
        if (_transfer.IsValueCreated)
            _transfer.Value?.ToGuest.Reset();
        _stream?.Dispose();
        _socket?.Dispose();
        _stream = null;
        _socket = null;
    }

    /// <summary>The VM is gone (or the backend stops): sessions still running end as killed with the container.</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await _lock.WaitAsync();
        try
        {
            Disconnect();
        }
        finally
        {
            _lock.Release();
        }
        foreach (IChannelSession session in _sessions.Values)
            session.EndWithContainer();
        _sessions.Clear();
        if (_transfer.IsValueCreated)
            _transfer.Value?.Dispose();
    }
}
