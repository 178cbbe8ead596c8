using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vic.Engine.Containers;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>
/// Containers' way out (outbound NAT) without touching the host: the fabric redirects TCP that containers on
/// non-internal networks open to outside addresses to this proxy's listener inside the fabric; the proxy reads where
/// each connection was going (SO_ORIGINAL_DST) and opens it again from the VCH process, in the host's network
/// namespace, so it leaves with the host's address wherever the host has a route. UDP and ping leave the same way
/// through <see cref="OutboundUdpRelay"/> and <see cref="OutboundIcmpRelay"/>, which this service starts, routes and
/// tells when containers stop (their flows close at once). Internal networks, and networks created with
/// com.docker.network.bridge.enable_ip_masquerade=false, get no way out, as with dockerd.
/// </summary>
internal sealed partial class OutboundProxy(NetworkService networks, PortLayerServices portLayer, ContainerResolver containers, TimeProvider time,
    ILogger<OutboundProxy> log) : IHostedService
{
    /// <summary>dockerd's option that turns a bridge network's masquerading off.</summary>
    public const string MasqueradeOption = "com.docker.network.bridge.enable_ip_masquerade";
    private const int SolIp = 0;
    private const int SoOriginalDst = 80;
    private const int MaxConnections = 4096;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _routesLock = new(1, 1);
    private readonly SemaphoreSlim _connections = new(MaxConnections, MaxConnections);
    private Socket? _listener;
    private OutboundUdpRelay? _udp;
    private OutboundIcmpRelay? _icmp;

    public int? Port => _listener?.LocalEndPoint is IPEndPoint local ? local.Port : null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!networks.Available)
            return;
        try
        {
            var listener = await portLayer.Network.CreateSocketAsync(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, cancellationToken);
            // REDIRECT delivers to the primary address of the bridge the packet came in on: listen on all of them.
            listener.Bind(new IPEndPoint(IPAddress.Any, 0));
            listener.Listen(512);
            _listener = listener;
        }
        catch (Exception e) when (e is SocketException or PortLayerException)
        {
            LogUnavailable(log, e.Message);
            return;
        }
        _ = Task.Run(AcceptLoopAsync, CancellationToken.None);
        try
        {
            _udp = await OutboundUdpRelay.StartAsync(portLayer.Network, time, log, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or PortLayerException)
        {
            LogRelayUnavailable(log, "UDP", e.Message);
        }
        try
        {
            _icmp = await OutboundIcmpRelay.StartAsync(portLayer.Network, time, log, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or PortLayerException)
        {
            LogRelayUnavailable(log, "ping", e.Message);
        }
        networks.Changed += OnNetworksChanged;
        portLayer.Containers.StateChanged += OnContainerStateChanged;
        await ApplyRoutesAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        networks.Changed -= OnNetworksChanged;
        portLayer.Containers.StateChanged -= OnContainerStateChanged;
        await _stop.CancelAsync();
        _listener?.Dispose();
        _udp?.Dispose();
        _icmp?.Dispose();
    }

    /// <summary>Open UDP flows (for tests and the log bundle's curious reader).</summary>
    internal int UdpFlowCount => _udp?.FlowCount ?? 0;

    private void OnContainerStateChanged(object? sender, ContainerStateChanged change)
    {
        if (change.State is ContainerRunState.Exited or ContainerRunState.Removing or ContainerRunState.Dead)
            _ = ForgetStoppedContainersAsync();
    }

    /// <summary>
    /// Closes the relays' flows whose container address no running container has any more. Asking which addresses are
    /// live, rather than which the stopped container had, also covers a container whose record is already gone.
    /// </summary>
    private async Task ForgetStoppedContainersAsync()
    {
        if (_udp is null && _icmp is null)
            return;
        HashSet<IPAddress> live;
        try
        {
            live = (await containers.ListAsync(_stop.Token))
                .Where(c => c.IsRunning)
                .SelectMany(c => NetworkAnnotations.Read(c.Info))
                .Where(e => !e.Dhcp && IPAddress.TryParse(e.IPAddress, out _))
                .Select(e => IPAddress.Parse(e.IPAddress))
                .ToHashSet();
        }
        catch (Exception e) when (e is PortLayerException or OperationCanceledException)
        {
            return;
        }
        _udp?.ForgetContainers(address => !live.Contains(address));
        _icmp?.ForgetContainers(address => !live.Contains(address));
    }

    private void OnNetworksChanged(NetworkRecord network, bool created) => _ = ApplyRoutesAsync(CancellationToken.None);

    /// <summary>Which networks leave through the proxy, and which ranges are the VCH's own (never sent out).</summary>
    internal static OutboundRoutes RoutesFor(IEnumerable<NetworkRecord> all, int proxyPort)
    {
        // Container networks are the host's own networks: their traffic never passes the VCH, so no NAT, and their
        // ranges are "outside" for the VCH's bridge networks (reached through the host like any other address).
        var list = all.Where(n => !n.IsExternal).ToList();
        var natted = list.Where(n => !n.Internal && !MasqueradeOff(n)).Select(n => n.Id).ToList();
        return new OutboundRoutes(proxyPort, natted, list.Select(n => n.Subnet).ToList());
    }

    /// <summary>Whether an address is in any of <paramref name="networks"/>' subnets.</summary>
    internal static Func<IPAddress, bool> InAny(IEnumerable<NetworkRecord> networks)
    {
        var subnets = networks.Where(n => !n.Dhcp).Select(n => Ipv4Subnet.Parse(n.Subnet)).ToList();
        return address => address.AddressFamily == AddressFamily.InterNetwork
            && subnets.Any(s => s.Contains(BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes())));
    }

    private static bool MasqueradeOff(NetworkRecord network) =>
        network.Options.TryGetValue(MasqueradeOption, out string? value) && bool.TryParse(value, out bool on) && !on;

    private async Task ApplyRoutesAsync(CancellationToken cancellationToken)
    {
        if (Port is not int port)
            return;
        await _routesLock.WaitAsync(cancellationToken);
        try
        {
            // Read the networks under the lock, so the last change always wins whatever order events arrive in.
            var all = networks.All;
            var routes = RoutesFor(all, port) with { UdpRelayPort = _udp?.Port ?? 0, IcmpEcho = _icmp is not null };
            var natted = InAny(all.Where(n => routes.NetworkIds.Contains(n.Id)));
            var inside = InAny(all.Where(n => !n.IsExternal));
            _udp?.SetRanges(natted, inside);
            _icmp?.SetRanges(natted, inside);
            await portLayer.Network.SetOutboundAsync(routes, cancellationToken);
        }
        catch (PortLayerException e)
        {
            LogUnavailable(log, e.Message);
        }
        finally
        {
            _routesLock.Release();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                await _connections.WaitAsync(_stop.Token);
                client = await _listener!.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    /// <summary>sockaddr_in as the kernel returns it for SO_ORIGINAL_DST: family (host order), port and address
    /// (network order).</summary>
    internal static IPEndPoint? ParseOriginalDestination(ReadOnlySpan<byte> sockaddr) => LinuxSockets.ParseSockaddrIn(sockaddr);

    private async Task RelayAsync(Socket client)
    {
        try
        {
            using (client)
            {
                var buffer = new byte[16];
                int length = client.GetRawSocketOption(SolIp, SoOriginalDst, buffer);
                var target = ParseOriginalDestination(buffer.AsSpan(0, length));
                // A connection made to the proxy's own port was not redirected: it has nowhere else to go.
                if (target is null || target.Equals(client.LocalEndPoint))
                {
                    Reset(client);
                    return;
                }
                using var outside = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using (var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    connectDeadline.CancelAfter(ConnectTimeout);
                    try
                    {
                        await outside.ConnectAsync(target, connectDeadline.Token);
                    }
                    catch (Exception e) when (e is SocketException or OperationCanceledException)
                    {
                        // The container sees what it would have seen without a proxy in the way: a reset.
                        LogConnectFailed(log, target.ToString(), e.Message);
                        Reset(client);
                        return;
                    }
                }
                client.NoDelay = outside.NoDelay = true;
                await Task.WhenAll(PipeAsync(client, outside), PipeAsync(outside, client));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The container or the VCH's listener went away.
        }
        finally
        {
            _connections.Release();
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already gone.
        }
    }

    /// <summary>One direction; at its end the other side's write half is shut, so half-closed protocols work.</summary>
    private async Task PipeAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                    break;
                int sent = 0;
                while (sent < read)
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side failed (a reset, the VCH stopping): end both directions, or the other one would wait forever.
            from.Dispose();
            to.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "containers cannot reach outside addresses (outbound proxy unavailable): {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "containers cannot send {What} to outside addresses (relay unavailable): {Reason}")]
    private static partial void LogRelayUnavailable(ILogger logger, string what, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "outbound: cannot reach {Target}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string target, string reason);
}
