using System.Buffers.Binary;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The control port: <see cref="ControlFrame"/>s from the host are read on its own thread and dispatched (session 0
/// to the main process, exec starts and other sessions to <see cref="IExecHost"/>); exec sessions' output goes back
/// as frames written whole under a lock. While no host is connected (the VCH is down) a read returns 0 or fails at
/// once: the reader backs off and retries, and any partial frame is dropped, since a reconnecting host starts with
/// a fresh frame. Writes block meanwhile, which stalls only exec output (the main process's goes to the log port).
/// </summary>
internal sealed unsafe class ControlPort
{
    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(100);

    private readonly string _device;
    private readonly LogWriter _log;
    private readonly Lock _writeLock = new();
    private readonly ManualResetEventSlim _opened = new();
    private IControlHandler? _main;
    private IExecHost? _execs;
    private Files.IFileHost? _files;
    private Action? _powerOff;
    private IRelaunchControl? _relaunch;
    private LiveHosts? _hosts;
    private int _fd = -1;

    public ControlPort(string device, LogWriter log)
    {
        _device = device;
        _log = log;
    }

    /// <summary>Starts reading; frames are dispatched to <paramref name="main"/>, <paramref name="execs"/> and
    /// <paramref name="files"/>; a PowerOff frame calls <paramref name="powerOff"/> (a Files VM only); StopNoRelaunch and
    /// RestartPolicy go to <paramref name="relaunch"/> (a container VM only).</summary>
    public void Start(IControlHandler main, IExecHost execs, Files.IFileHost? files = null, Action? powerOff = null, IRelaunchControl? relaunch = null,
        LiveHosts? hosts = null)
    {
        _hosts = hosts;
        _main = main;
        _execs = execs;
        _files = files;
        _powerOff = powerOff;
        _relaunch = relaunch;
        new Thread(Run) { IsBackground = true, Name = "control" }.Start();
    }

    /// <summary>Sends one frame to the host (split when the payload is larger than one frame may carry).</summary>
    public void Send(ControlFrameKind kind, uint session, ReadOnlySpan<byte> payload)
    {
        _opened.Wait();
        lock (_writeLock)
        {
            int offset = 0;
            do
            {
                int length = Math.Min(ControlFrame.MaxPayload, payload.Length - offset);
                byte[] frame = new ControlFrame(kind, session, payload.Slice(offset, length).ToArray()).Encode();
                if (!WriteAll(frame))
                {
                    return;
                }
                offset += length;
            }
            while (offset < payload.Length);
        }
    }

    private bool WriteAll(byte[] frame)
    {
        fixed (byte* start = frame)
        {
            int offset = 0;
            while (offset < frame.Length)
            {
                nint n = Libc.write(_fd, start + offset, frame.Length - offset);
                if (n < 0)
                {
                    if (Sys.LastErrno == Consts.EINTR)
                    {
                        continue;
                    }
                    _log.Tether($"control port write failed: {Sys.Describe(Sys.LastErrno)}; exec output dropped");
                    return false;
                }
                offset += (int)n;
            }
        }
        return true;
    }

    private void Run()
    {
        int fd;
        while ((fd = Libc.open(_device, Consts.O_RDWR | Consts.O_CLOEXEC, 0)) < 0)
        {
            _log.Tether($"open {_device}: {Sys.Describe(Sys.LastErrno)}; retrying");
            Thread.Sleep(TimeSpan.FromSeconds(1));
        }
        _fd = fd;
        _opened.Set();

        var buffer = new byte[ControlFrame.HeaderLength + ControlFrame.MaxPayload];
        int filled = 0;
        bool hostSeen = false;
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.read(fd, p + filled, buffer.Length - filled);
                if (n <= 0)
                {
                    if (n < 0 && Sys.LastErrno == Consts.EINTR)
                    {
                        continue;
                    }
                    if (hostSeen)
                    {
                        // The host went away: its sessions' input stops and the slots it held are ours again.
                        hostSeen = false;
                        _files?.HostGone();
                    }
                    filled = 0;
                    Thread.Sleep(Backoff);
                    continue;
                }
                hostSeen = true;
                filled += (int)n;
                filled = Dispatch(buffer, filled);
            }
        }
    }

    /// <summary>Handles every complete frame at the start of the buffer; returns how many bytes remain.</summary>
    private int Dispatch(byte[] buffer, int filled)
    {
        int offset = 0;
        while (filled - offset >= ControlFrame.HeaderLength)
        {
            if (!ControlFrame.TryReadHeader(buffer.AsSpan(offset, ControlFrame.HeaderLength), out ControlFrameKind kind, out uint session, out int length))
            {
                // The stream cannot be resynchronised from inside a frame: drop what we have.
                _log.Tether($"invalid control frame header (kind {buffer[offset]}); dropping buffered input");
                return 0;
            }
            if (filled - offset - ControlFrame.HeaderLength < length)
            {
                break;
            }
            byte[] payload = buffer.AsSpan(offset + ControlFrame.HeaderLength, length).ToArray();
            offset += ControlFrame.HeaderLength + length;
            if (kind is ControlFrameKind.FileStart or ControlFrameKind.FileData or ControlFrameKind.FileDataEnd or ControlFrameKind.PowerOff
                or ControlFrameKind.FileSlot or ControlFrameKind.FileSlotFree)
            {
                HandleFiles(kind, session, payload);
                continue;
            }
            if (kind is ControlFrameKind.StopNoRelaunch or ControlFrameKind.RestartPolicy)
            {
                HandleRelaunch(kind, payload);
                continue;
            }
            if (kind == ControlFrameKind.NicChange)
            {
                ChangeNic(session, payload);
                continue;
            }
            if (kind == ControlFrameKind.ExecStart)
            {
                _execs!.Start(session, payload);
                continue;
            }
            IControlHandler? target = session == 0 ? _main : _execs!.Find(session);
            if (target is null)
            {
                _log.Tether($"control frame for unknown session {session} ignored");
                continue;
            }
            Handle(target, kind, payload);
        }
        // The port hands over at most one 4 KiB buffer per read, so most reads end inside a frame: move the rest down
        // only when something was consumed (copying a 64 KiB frame in progress on every read cost more than the frame).
        if (offset > 0)
        {
            Buffer.BlockCopy(buffer, offset, buffer, 0, filled - offset);
        }
        return filled - offset;
    }

    private string StartDhcp(NetworkInterfaceSpec nic)
    {
        try
        {
            InterfacePlan plan = NetworkPlan.Build([nic], out string? error)?[0] ?? throw new TetherException(error!);
            DhcpAgent agent = DhcpAgent.Start(plan, "", _log);
            // The connect's /etc/hosts line needs the address, which only the lease gives.
            agent.LeaseChanged = () =>
            {
                string failure = _hosts?.Leased(agent.Mac, agent.Lease?.Address.ToString() ?? "") ?? "";
                if (failure.Length > 0)
                {
                    _log.Tether("DHCP lease: /etc/hosts not updated: " + failure);
                }
            };
            return "";
        }
        catch (TetherException e)
        {
            return e.Message;
        }
    }

    /// <summary>docker network connect/disconnect of the running container: a few ioctls, done on this thread, answered
    /// on the same session.</summary>
    private void ChangeNic(uint session, byte[] payload)
    {
        string error;
        try
        {
            NicChange? change = System.Text.Json.JsonSerializer.Deserialize(payload, ProtocolJson.Default.NicChange);
            error = change is null ? "empty NIC change"
                : change.Interface is null ? NetworkSetup.Unplug(change) : NetworkSetup.Plug(change);
            if (error.Length == 0 && change?.Interface is { Dhcp: not null } plugged)
            {
                // Not waited for: the connect is answered now and the lease reaches the VCH as a Network record.
                error = StartDhcp(plugged);
            }
        }
        catch (System.Text.Json.JsonException e)
        {
            error = "malformed NIC change: " + e.Message;
        }
        if (error.Length == 0)
        {
            _log.Debug($"NIC change of session {session} done");
            UpdateHosts(payload);
        }
        else
        {
            _log.Tether($"NIC change of session {session} failed: {error}");
        }
        Send(ControlFrameKind.NicChanged, session,
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new NicChangeResult { Error = error }, ProtocolJson.Default.NicChangeResult));
    }

    /// <summary>The NIC is changed whatever happens to /etc/hosts: a root that refuses writes is logged, not fatal.</summary>
    private void UpdateHosts(byte[] payload)
    {
        if (_hosts is null || System.Text.Json.JsonSerializer.Deserialize(payload, ProtocolJson.Default.NicChange) is not { } change)
        {
            return;
        }
        string failure = change.Interface is { } nic ? _hosts.Plugged(nic) : _hosts.Unplugged(change.CurrentMac);
        if (failure.Length > 0)
        {
            _log.Tether("network change: /etc/hosts not updated: " + failure);
        }
    }

    /// <summary>A stop by the user (sent before its signal, so the exit it causes is not relaunched) or a new policy.</summary>
    private void HandleRelaunch(ControlFrameKind kind, byte[] payload)
    {
        if (_relaunch is null)
        {
            _log.Tether($"{kind} control frame ignored: no restart policy runs here");
            return;
        }
        if (kind == ControlFrameKind.StopNoRelaunch)
        {
            _relaunch.RequestStop();
            _log.Debug("stop requested: no further relaunch");
            return;
        }
        try
        {
            RestartPolicySpec? policy = System.Text.Json.JsonSerializer.Deserialize(payload, ProtocolJson.Default.RestartPolicySpec);
            if (policy is not null)
            {
                _relaunch.UpdatePolicy(policy);
                _log.Tether($"restart policy is now {policy.Mode} (at most {policy.MaximumRetryCount} retries when on-failure, 0 = no limit)");
            }
        }
        catch (System.Text.Json.JsonException e)
        {
            _log.Tether("malformed restart policy frame ignored: " + e.Message);
        }
    }

    private void HandleFiles(ControlFrameKind kind, uint session, byte[] payload)
    {
        switch (kind)
        {
            case ControlFrameKind.PowerOff when _powerOff is not null:
                _powerOff();
                break;
            case ControlFrameKind.FileStart when _files is not null && session != 0:
                _files.Start(session, payload);
                break;
            case ControlFrameKind.FileData or ControlFrameKind.FileDataEnd or ControlFrameKind.FileSlot when _files is not null:
                _files.Input(session, kind, payload);
                break;
            case ControlFrameKind.FileSlotFree when _files is not null:
                _files.SlotFreed(payload);
                break;
            default:
                _log.Tether($"{kind} control frame ignored: not served here");
                break;
        }
    }

    private void Handle(IControlHandler target, ControlFrameKind kind, byte[] payload)
    {
        switch (kind)
        {
            case ControlFrameKind.Stdin:
                target.Stdin(payload);
                break;
            case ControlFrameKind.StdinClose:
                target.CloseStdin();
                break;
            case ControlFrameKind.Signal when payload.Length >= 4:
                target.Signal(BinaryPrimitives.ReadInt32BigEndian(payload));
                break;
            case ControlFrameKind.Resize when payload.Length >= 4:
                target.Resize(BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(0, 2)), BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2, 2)));
                break;
            default:
                _log.Tether($"malformed or misdirected {kind} control frame ignored");
                break;
        }
    }
}
