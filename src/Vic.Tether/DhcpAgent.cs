using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Runs <see cref="DhcpClient"/> on one NIC: a UDP socket on port 68 bound to the interface (SO_BINDTODEVICE, so it
/// sends and receives there before the NIC has an address; SO_BROADCAST for 255.255.255.255), a thread that feeds it
/// packets and timer ticks, and the interface changes its actions ask for. No packet socket is needed: the kernel
/// sends a limited broadcast from 0.0.0.0 on an unaddressed interface and delivers broadcast replies to the socket,
/// and the client asks servers to broadcast (the BROADCAST flag) until it has an address. Each lease gained, renewed or
/// lost is written as a <see cref="LogRecordKind.Network"/> record, which is how the VCH learns the address.
/// </summary>
internal sealed unsafe class DhcpAgent
{
    private static readonly List<DhcpAgent> Running = [];

    private readonly object _gate = new();
    private readonly DhcpClient _client;
    private readonly InterfacePlan _plan;
    private readonly LogWriter _log;
    private readonly ManualResetEventSlim _firstLease = new();
    private readonly int _fd;
    private bool _stopped;
    private int _sendFailures;

    private DhcpAgent(InterfacePlan plan, string hostname, LogWriter log, int fd)
    {
        _plan = plan;
        _log = log;
        _fd = fd;
        NetworkPlan.TryParseMac(plan.Mac, out byte[] mac);
        _client = new DhcpClient(mac, hostname, () => (uint)Random.Shared.NextInt64(0, 1L << 32));
    }

    /// <summary>Called after each change of the lease's address or resolvers (the container's /etc files follow it).</summary>
    public Action? LeaseChanged { get; set; }

    public string Mac => _plan.Mac;

    public DhcpLease? Lease
    {
        get
        {
            lock (_gate)
            {
                return _client.Lease;
            }
        }
    }

    /// <summary>Opens the NIC's socket and starts the client's thread. The NIC must be up (<see cref="NetworkSetup"/>).</summary>
    public static DhcpAgent Start(InterfacePlan plan, string hostname, LogWriter log)
    {
        int fd = OpenSocket(plan.Name);
        var agent = new DhcpAgent(plan, hostname, log, fd);
        lock (Running)
        {
            Running.Add(agent);
        }
        new Thread(agent.Run) { IsBackground = true, Name = $"dhcp {plan.Name}" }.Start();
        return agent;
    }

    /// <summary>How long the boot waits for the first leases before the process starts anyway (the clients keep asking).</summary>
    public static readonly TimeSpan BootWait = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Starts a client on every DHCP interface of the spec (configured and up, see <see cref="NetworkSetup"/>) and waits
    /// up to <see cref="BootWait"/> for all first leases, as a process expects its network ready when it starts.
    /// </summary>
    public static List<DhcpAgent> StartAll(IReadOnlyList<NetworkInterfaceSpec> interfaces, string hostname, LogWriter log)
    {
        var agents = new List<DhcpAgent>();
        IReadOnlyList<InterfacePlan> plans = NetworkPlan.Build(interfaces, out string? error) ?? throw new TetherException(error!);
        foreach (InterfacePlan plan in plans.Where(p => p.Dhcp is not null))
        {
            agents.Add(Start(plan, hostname, log));
        }
        long deadline = Clock.MonotonicMs() + (long)BootWait.TotalMilliseconds;
        foreach (DhcpAgent agent in agents)
        {
            if (!agent.WaitForLease(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Clock.MonotonicMs()))))
            {
                log.Tether($"{agent._plan.Name}: no DHCP lease within {BootWait.TotalSeconds:0} s; the process starts without an address there and the client keeps asking");
            }
        }
        return agents;
    }

    /// <summary>The spec with each DHCP interface's lease (for /etc/hosts and /etc/resolv.conf).</summary>
    public static VmSpec Leased(VmSpec spec, IEnumerable<DhcpAgent> agents) =>
        LeasedSpec.Apply(spec, agents.Select(a => (a.Mac, a.Lease)).Where(l => l.Lease is not null).ToDictionary(l => l.Mac, l => l.Lease!));

    /// <summary>Waits for the first lease; false when none came within <paramref name="timeout"/> (the client keeps asking).</summary>
    public bool WaitForLease(TimeSpan timeout) => _firstLease.Wait(timeout);

    /// <summary>Sends DHCPRELEASE for every lease held (the VM is powering off), so the server can hand the addresses out again.</summary>
    public static void ReleaseAll()
    {
        List<DhcpAgent> agents;
        lock (Running)
        {
            agents = [.. Running];
            Running.Clear();
        }
        agents.ForEach(a => a.Release(deconfigure: false));
    }

    /// <summary>Releases and stops the client of the NIC with <paramref name="mac"/> (docker network disconnect).</summary>
    public static void Stop(string mac)
    {
        DhcpAgent? agent;
        lock (Running)
        {
            agent = Running.FirstOrDefault(a => string.Equals(a.Mac, mac, StringComparison.OrdinalIgnoreCase));
            if (agent is not null)
            {
                Running.Remove(agent);
            }
        }
        agent?.Release(deconfigure: true);
    }

    private void Release(bool deconfigure)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            List<DhcpAction> actions = _client.Release();
            Execute(deconfigure ? actions : actions.Where(a => a is DhcpSend).ToList());
            if (!deconfigure && actions.OfType<DhcpUnbound>().FirstOrDefault() is DhcpUnbound unbound)
            {
                Report(null, unbound.Reason); // the VCH learns the address is gone even though the VM keeps it until power-off
            }
        }
    }

    private void Run()
    {
        try
        {
            lock (_gate)
            {
                Execute(_client.Start(Clock.MonotonicMs()));
            }
            byte[] buffer = new byte[1500];
            while (true)
            {
                long? due;
                lock (_gate)
                {
                    if (_stopped)
                    {
                        break;
                    }
                    due = _client.TimerAtMs;
                }
                // At most a second per wait, so a stop is noticed; the socket is closed only by this thread.
                long wait = due is long d ? Math.Clamp(d - Clock.MonotonicMs(), 0, 1000) : 1000;
                var pfd = new PollFd { Fd = _fd, Events = NetConsts.POLLIN };
                int ready = Libc.poll(&pfd, 1, (int)wait);
                if (ready > 0 && (pfd.Revents & NetConsts.POLLIN) != 0)
                {
                    nint n;
                    fixed (byte* p = buffer)
                    {
                        n = Libc.recv(_fd, p, buffer.Length, 0);
                    }
                    if (n > 0 && DhcpMessage.Decode(buffer.AsSpan(0, (int)n), out _) is DhcpMessage message)
                    {
                        lock (_gate)
                        {
                            if (!_stopped)
                            {
                                Execute(_client.OnMessage(message, Clock.MonotonicMs()));
                            }
                        }
                    }
                }
                lock (_gate)
                {
                    if (!_stopped)
                    {
                        Execute(_client.OnTimer(Clock.MonotonicMs()));
                    }
                }
            }
        }
        catch (Exception e)
        {
            _log.Tether($"DHCP client of {_plan.Name} stopped: {e.Message}");
        }
        finally
        {
            Libc.close(_fd);
        }
    }

    /// <summary>Carries out the client's actions; called under the gate, so the interface changes in the client's order.</summary>
    private void Execute(List<DhcpAction> actions)
    {
        foreach (DhcpAction action in actions)
        {
            switch (action)
            {
                case DhcpSend send:
                    Send(send);
                    break;
                case DhcpBound bound:
                    if (bound.Reconfigure)
                    {
                        Configure(bound.Lease);
                    }
                    Report(bound.Lease, "");
                    _firstLease.Set();
                    if (bound.Reconfigure)
                    {
                        LeaseChanged?.Invoke();
                    }
                    break;
                case DhcpUnbound unbound:
                    _log.Tether($"{_plan.Name}: {unbound.Reason}");
                    string error = NetworkSetup.WithSocket(fd => NetworkSetup.RemoveAddress(fd, _plan.Name, Describe()));
                    if (error.Length > 0)
                    {
                        _log.Tether(error);
                    }
                    Report(null, unbound.Reason);
                    break;
            }
        }
    }

    private void Configure(DhcpLease lease)
    {
        string error = NetworkSetup.WithSocket(fd =>
        {
            NetworkSetup.SetAddress(fd, _plan.Name, lease.Address, Describe());
            if (_plan.Dhcp is { DefaultRoute: true } && lease.Router is uint router && lease.Address.Contains(router))
            {
                NetworkSetup.AddDefaultRoute(fd, _plan.Name, router, Describe());
            }
        });
        _log.Tether(error.Length > 0 ? error : $"{_plan.Name}: DHCP lease of {lease.Address} from {Ipv4Cidr.Format(lease.ServerId)} for {lease.LeaseSeconds} s");
    }

    private void Send(DhcpSend send)
    {
        byte[] packet = send.Message.Encode();
        byte* address = stackalloc byte[16];
        SockAddrIn.Write(address, send.Destination, DhcpMessage.ServerPort);
        nint sent;
        fixed (byte* p = packet)
        {
            sent = Libc.sendto(_fd, p, packet.Length, 0, address, 16);
        }
        // A lost send is retried by the client's timer; say so once, not at every retransmission.
        if (sent < 0 && _sendFailures++ == 0)
        {
            _log.Tether($"{_plan.Name}: cannot send a DHCP {send.Message.Type}: {Sys.Describe(Sys.LastErrno)}");
        }
    }

    private void Report(DhcpLease? lease, string reason)
    {
        var report = new NetworkReport
        {
            Mac = _plan.Mac,
            Address = lease?.Address.ToString() ?? "",
            Gateway = lease?.Router is uint router ? Ipv4Cidr.Format(router) : "",
            Nameservers = lease?.DnsServers.Select(Ipv4Cidr.Format).ToList() ?? [],
            Domain = lease?.DomainName ?? "",
            Server = lease is null ? "" : Ipv4Cidr.Format(lease.ServerId),
            LeaseSeconds = lease?.LeaseSeconds ?? 0,
            Reason = reason,
        };
        _log.Write(LogRecordKind.Network, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(report, ProtocolJson.Default.NetworkReport));
    }

    private string Describe() => $"network interface {_plan.Name} (MAC {_plan.Mac})";

    private static int OpenSocket(string name)
    {
        int fd = Sys.Check(Libc.socket(NetConsts.AF_INET, NetConsts.SOCK_DGRAM | NetConsts.SOCK_CLOEXEC, 0), $"{name}: open the DHCP client's socket");
        try
        {
            int on = 1;
            Sys.Check(Libc.setsockopt(fd, NetConsts.SOL_SOCKET, NetConsts.SO_REUSEADDR, &on, sizeof(int)), $"{name}: SO_REUSEADDR");
            Sys.Check(Libc.setsockopt(fd, NetConsts.SOL_SOCKET, NetConsts.SO_BROADCAST, &on, sizeof(int)), $"{name}: SO_BROADCAST");
            byte* device = stackalloc byte[16];
            new Span<byte>(device, 16).Clear();
            for (int i = 0; i < name.Length && i < 15; i++)
            {
                device[i] = (byte)name[i];
            }
            Sys.Check(Libc.setsockopt(fd, NetConsts.SOL_SOCKET, NetConsts.SO_BINDTODEVICE, device, 16), $"{name}: bind the DHCP socket to the interface");
            byte* address = stackalloc byte[16];
            SockAddrIn.Write(address, 0, DhcpMessage.ClientPort);
            Sys.Check(Libc.bind(fd, address, 16), $"{name}: bind UDP port {DhcpMessage.ClientPort}");
            return fd;
        }
        catch
        {
            Libc.close(fd);
            throw;
        }
    }
}
