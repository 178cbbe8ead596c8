using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>
/// ping from containers to outside addresses. The fabric delivers echo requests from NAT'd networks to outside
/// addresses to itself (its kernel cannot answer them: the destination is none of its addresses), where a raw ICMP
/// socket reads them. Each is sent again from a raw ICMP socket in the host's namespace under an identifier of the
/// relay's (<see cref="IcmpEchoMap"/>); the outside's echo reply is mapped back and written into the fabric with the
/// outside address as its source (IP_HDRINCL), so the container sees the address it pinged answer, with the
/// round trip the host measured plus the relay's. Echo only: other ICMP (errors, timestamps) is not relayed.
/// </summary>
internal sealed partial class OutboundIcmpRelay : IDisposable
{
    private const int MaxPacket = 65535;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    private readonly Socket _inside;
    private readonly Socket _outside;
    private readonly IcmpEchoMap _map;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();

    private OutboundIcmpRelay(Socket inside, Socket outside, TimeProvider time, ILogger log)
    {
        _inside = inside;
        _outside = outside;
        _time = time;
        _log = log;
        _map = new IcmpEchoMap(time);
    }

    public int MappingCount => _map.Count;

    /// <summary>Opens the raw sockets (the VCH needs CAP_NET_RAW); throws <see cref="PortLayerException"/> or
    /// <see cref="SocketException"/> when it cannot.</summary>
    public static async Task<OutboundIcmpRelay> StartAsync(INetworkFabric fabric, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        var inside = await fabric.CreateSocketAsync(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp, cancellationToken);
        Socket? outside = null;
        try
        {
            LinuxSockets.OnlyIcmpTypes(inside, IcmpEchoPacket.EchoRequest);
            inside.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);
            outside = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
            LinuxSockets.OnlyIcmpTypes(outside, IcmpEchoPacket.EchoReply);
            // Bound to no address in particular (a raw socket has no port): .NET receives only on bound sockets.
            inside.Bind(new IPEndPoint(IPAddress.Any, 0));
            outside.Bind(new IPEndPoint(IPAddress.Any, 0));
        }
        catch
        {
            inside.Dispose();
            outside?.Dispose();
            throw;
        }
        var relay = new OutboundIcmpRelay(inside, outside, time, log);
        _ = Task.Run(relay.RequestLoopAsync, CancellationToken.None);
        _ = Task.Run(relay.ReplyLoopAsync, CancellationToken.None);
        _ = Task.Run(relay.SweepLoopAsync, CancellationToken.None);
        return relay;
    }

    private volatile Func<IPAddress, bool> _natted = _ => false;
    private volatile Func<IPAddress, bool> _insideRanges = _ => true;

    /// <summary>Which sources may ping out (addresses on NAT'd networks) and which destinations are the VCH's own (never
    /// relayed). The fabric only delivers such requests; checking again keeps anything else, e.g. a ping of a gateway,
    /// from being sent out.</summary>
    public void SetRanges(Func<IPAddress, bool> natted, Func<IPAddress, bool> inside)
    {
        _natted = natted;
        _insideRanges = inside;
    }

    public void ForgetContainers(Func<IPAddress, bool> gone) => _map.ForgetContainers(gone);

    private async Task RequestLoopAsync()
    {
        var buffer = new byte[MaxPacket];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var received = await _inside.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                if (IcmpEchoPacket.Parse(buffer.AsSpan(0, received.ReceivedBytes)) is not { IsRequest: true } request
                    || !_natted(request.Source) || _insideRanges(request.Destination))
                    continue;
                if (_map.Outbound(request.Source, request.Id, request.Destination) is not ushort hostId)
                    continue;
                byte[] message = (request with { Id = hostId }).IcmpMessage();
                await _outside.SendToAsync(message, SocketFlags.None, new IPEndPoint(request.Destination, 0), _stop.Token);
            }
            catch (SocketException e)
            {
                // No route from the host to that address: the container's ping times out, as it would behind a NAT.
                LogRelayFailed(_log, e.Message);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task ReplyLoopAsync()
    {
        var buffer = new byte[MaxPacket];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var received = await _outside.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                if (IcmpEchoPacket.Parse(buffer.AsSpan(0, received.ReceivedBytes)) is not { IsRequest: false } reply
                    || _map.Inbound(reply.Source, reply.Id) is not { } inside)
                    continue;
                // One hop more than the host saw: the VCH's namespace is a router on the way.
                var back = reply with { Destination = inside.Container, Id = inside.Id, Ttl = (byte)Math.Max(1, reply.Ttl - 1) };
                await _inside.SendToAsync(back.Ipv4Packet(), SocketFlags.None, new IPEndPoint(inside.Container, 0), _stop.Token);
            }
            catch (SocketException e)
            {
                LogRelayFailed(_log, e.Message);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task SweepLoopAsync()
    {
        using var timer = new PeriodicTimer(SweepInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
                _map.Expire();
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _inside.Dispose();
        _outside.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "outbound icmp: {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string reason);
}
