namespace Vic.Tether;

/// <summary>
/// A DHCP client's state machine for one interface, without I/O or clocks: the caller feeds it received messages
/// and the monotonic time, calls <see cref="OnTimer"/> once <see cref="TimerAtMs"/> has come, and carries out the
/// actions it returns (send, configure, deconfigure). DISCOVER, OFFER, REQUEST, ACK; renewal at T1 (unicast) and
/// rebinding at T2 (broadcast); a NAK or an expired lease takes the address away and starts over; RELEASE on stop.
/// </summary>
internal sealed class DhcpClient
{
    /// <summary>A lease without option 51 (RFC 2131 leaves it to the client): an hour.</summary>
    public const uint DefaultLeaseSeconds = 3600;

    /// <summary>RFC 2131 section 4.4.5: while renewing or rebinding, wait half the time left, but at least a minute.</summary>
    private const long MinimumRetransmitMs = 60_000;

    /// <summary>REQUESTs for an offer before starting over with a DISCOVER.</summary>
    private const int RequestAttempts = 4;

    private readonly byte[] _mac;
    private readonly byte[] _clientId;
    private readonly string _hostName;
    private readonly Func<uint> _newTransactionId;

    private uint _xid;
    private int _attempt;
    private long _exchangeStartMs;
    private DhcpMessage? _offer;
    /// <summary>The last address this client held: asked for again first, so a restarted exchange keeps it.</summary>
    private uint _previousAddress;

    /// <param name="mac">The interface's Ethernet address; the client identifier is derived from it (type 1 + MAC), so a
    /// container that keeps its MAC across restarts tends to get the same address from the server.</param>
    /// <param name="hostName">Sent as option 12 (servers use it for their own DNS); empty for none.</param>
    /// <param name="newTransactionId">A random source for transaction IDs (injected so tests are deterministic).</param>
    public DhcpClient(byte[] mac, string hostName, Func<uint> newTransactionId)
    {
        if (mac.Length != 6)
        {
            throw new ArgumentException("an Ethernet MAC has 6 bytes", nameof(mac));
        }
        _mac = mac;
        _clientId = [1, .. mac];
        _hostName = hostName;
        _newTransactionId = newTransactionId;
    }

    public DhcpState State { get; private set; } = DhcpState.Idle;

    /// <summary>The lease held (Bound, Renewing, Rebinding), else null.</summary>
    public DhcpLease? Lease { get; private set; }

    /// <summary>When <see cref="OnTimer"/> is due (monotonic ms); null while idle.</summary>
    public long? TimerAtMs { get; private set; }

    /// <summary>Starts (or restarts) the exchange with a DISCOVER.</summary>
    public List<DhcpAction> Start(long nowMs)
    {
        var actions = new List<DhcpAction>();
        Discover(nowMs, actions, newExchange: true);
        return actions;
    }

    /// <summary>A message received on the interface; messages for another client or transaction are ignored.</summary>
    public List<DhcpAction> OnMessage(DhcpMessage message, long nowMs)
    {
        var actions = new List<DhcpAction>();
        if (!message.IsReply || message.TransactionId != _xid || !message.HardwareAddress.AsSpan().SequenceEqual(_mac))
        {
            return actions;
        }
        switch (State, message.Type)
        {
            case (DhcpState.Selecting, DhcpMessageType.Offer) when message.YourAddress != 0 && message.ServerId != 0:
                _offer = message;
                State = DhcpState.Requesting;
                _attempt = 0;
                SendRequest(nowMs, actions);
                break;
            case (DhcpState.Requesting or DhcpState.Renewing or DhcpState.Rebinding, DhcpMessageType.Ack) when message.YourAddress != 0:
                Bind(message, nowMs, actions);
                break;
            case (DhcpState.Requesting, DhcpMessageType.Nak):
                Discover(nowMs, actions, newExchange: true);
                break;
            case (DhcpState.Renewing or DhcpState.Rebinding, DhcpMessageType.Nak):
                LoseLease($"the DHCP server refused to extend the lease of {Lease!.Address}{Explained(message)}", nowMs, actions);
                break;
        }
        return actions;
    }

    /// <summary>The timer has come: retransmit, renew at T1, rebind at T2, or give the address up at expiry.</summary>
    public List<DhcpAction> OnTimer(long nowMs)
    {
        var actions = new List<DhcpAction>();
        if (TimerAtMs is not long due || nowMs < due)
        {
            return actions;
        }
        switch (State)
        {
            case DhcpState.Selecting:
                _attempt++;
                Discover(nowMs, actions, newExchange: false);
                break;
            case DhcpState.Requesting:
                if (++_attempt >= RequestAttempts)
                {
                    Discover(nowMs, actions, newExchange: true);
                }
                else
                {
                    SendRequest(nowMs, actions);
                }
                break;
            case DhcpState.Bound:
                State = DhcpState.Renewing;
                _xid = _newTransactionId();
                _exchangeStartMs = nowMs;
                SendRequest(nowMs, actions);
                break;
            case DhcpState.Renewing or DhcpState.Rebinding when nowMs >= Lease!.ExpiresAtMs:
                LoseLease($"the DHCP lease of {Lease.Address} expired with no server answering", nowMs, actions);
                break;
            case DhcpState.Renewing when nowMs >= Lease!.RebindAtMs:
                State = DhcpState.Rebinding;
                SendRequest(nowMs, actions);
                break;
            case DhcpState.Renewing or DhcpState.Rebinding:
                SendRequest(nowMs, actions);
                break;
        }
        return actions;
    }

    /// <summary>Gives the lease back (DHCPRELEASE, unicast to its server) and goes idle; nothing to send when none is held.</summary>
    public List<DhcpAction> Release()
    {
        var actions = new List<DhcpAction>();
        if (Lease is DhcpLease lease)
        {
            actions.Add(new DhcpSend(new DhcpMessage
            {
                TransactionId = _newTransactionId(),
                ClientAddress = lease.Address.Address,
                HardwareAddress = _mac,
                Type = DhcpMessageType.Release,
                ClientId = _clientId,
                ServerId = lease.ServerId,
            }, lease.ServerId));
            actions.Add(new DhcpUnbound($"released {lease.Address}"));
        }
        Lease = null;
        _offer = null;
        State = DhcpState.Idle;
        TimerAtMs = null;
        return actions;
    }

    private void Discover(long nowMs, List<DhcpAction> actions, bool newExchange)
    {
        if (newExchange)
        {
            _attempt = 0;
            _xid = _newTransactionId();
            _exchangeStartMs = nowMs;
            _offer = null;
        }
        State = DhcpState.Selecting;
        actions.Add(new DhcpSend(Base(nowMs) with
        {
            Type = DhcpMessageType.Discover,
            RequestedAddress = _previousAddress,
            HostName = _hostName,
            ParameterRequests = DhcpMessage.RequestedParameters,
        }, DhcpSend.Broadcast));
        TimerAtMs = nowMs + RetransmitDelayMs(_attempt);
    }

    /// <summary>REQUEST as section 4.3.2 has it per state: for an offer (server id and requested address, broadcast),
    /// renewing (ciaddr, unicast to the server) or rebinding (ciaddr, broadcast).</summary>
    private void SendRequest(long nowMs, List<DhcpAction> actions)
    {
        DhcpMessage request = Base(nowMs) with
        {
            Type = DhcpMessageType.Request,
            HostName = _hostName,
            ParameterRequests = DhcpMessage.RequestedParameters,
        };
        switch (State)
        {
            case DhcpState.Requesting:
                actions.Add(new DhcpSend(request with { RequestedAddress = _offer!.YourAddress, ServerId = _offer.ServerId }, DhcpSend.Broadcast));
                TimerAtMs = nowMs + RetransmitDelayMs(_attempt);
                break;
            case DhcpState.Renewing:
                actions.Add(new DhcpSend(request with { ClientAddress = Lease!.Address.Address, Broadcast = false }, Lease.ServerId));
                TimerAtMs = nowMs + Math.Max(MinimumRetransmitMs, (Lease.RebindAtMs - nowMs) / 2);
                TimerAtMs = Math.Min(TimerAtMs.Value, Lease.RebindAtMs);
                break;
            case DhcpState.Rebinding:
                actions.Add(new DhcpSend(request with { ClientAddress = Lease!.Address.Address, Broadcast = false }, DhcpSend.Broadcast));
                TimerAtMs = Math.Min(nowMs + Math.Max(MinimumRetransmitMs, (Lease.ExpiresAtMs - nowMs) / 2), Lease.ExpiresAtMs);
                break;
        }
    }

    private void Bind(DhcpMessage ack, long nowMs, List<DhcpAction> actions)
    {
        DhcpLease lease = DhcpLease.FromAck(ack, _offer?.ServerId ?? Lease?.ServerId ?? 0, nowMs);
        bool reconfigure = Lease is null || Lease.Address != lease.Address;
        if (Lease is not null && reconfigure)
        {
            actions.Add(new DhcpUnbound($"the DHCP server moved the interface from {Lease.Address} to {lease.Address}"));
        }
        Lease = lease;
        _previousAddress = lease.Address.Address;
        _offer = null;
        State = DhcpState.Bound;
        TimerAtMs = lease.RenewAtMs;
        actions.Add(new DhcpBound(lease, reconfigure));
    }

    private void LoseLease(string reason, long nowMs, List<DhcpAction> actions)
    {
        Lease = null;
        actions.Add(new DhcpUnbound(reason));
        Discover(nowMs, actions, newExchange: true);
    }

    /// <summary>The fields every client message has: transaction, elapsed seconds, MAC, client identifier; the
    /// BROADCAST flag asks for broadcast answers, since the interface takes no unicast before it has its address.</summary>
    private DhcpMessage Base(long nowMs) => new()
    {
        TransactionId = _xid,
        Seconds = (ushort)Math.Min(ushort.MaxValue, Math.Max(0, (nowMs - _exchangeStartMs) / 1000)),
        Broadcast = true,
        HardwareAddress = _mac,
        ClientId = _clientId,
    };

    /// <summary>
    /// 1, 2, 4 ... 32 s between DISCOVERs or offer REQUESTs. RFC 2131 suggests starting at 4 s; the container's
    /// process waits on the first lease, and a lost first packet (a bridge port still coming up) should not cost that.
    /// </summary>
    internal static long RetransmitDelayMs(int attempt) => 1000L << Math.Min(attempt, 5);

    private static string Explained(DhcpMessage message) => message.Message.Length > 0 ? $" ({message.Message})" : "";
}
