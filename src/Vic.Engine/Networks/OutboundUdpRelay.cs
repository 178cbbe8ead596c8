using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>
/// Containers' outbound UDP, re-originated from the host as <see cref="OutboundProxy"/> does for TCP. The fabric hands
/// unicast UDP from NAT'd networks to outside addresses to <see cref="Port"/> (TPROXY), where the entry socket reads
/// each datagram's sender and original destination. Each flow (container address and port, destination) then gets two
/// sockets: one in the host's namespace connected to the destination, from which the datagrams leave with the host's
/// address; and a transparent one in the fabric bound to the destination and connected to the container, which
/// receives the flow's later datagrams directly (the kernel prefers the connected socket) and sends the replies, so
/// they reach the container from the address it wrote to. Flows are forgotten as conntrack forgets them (30 s without
/// a reply, 120 s once answered) or when their container stops.
/// </summary>
internal sealed partial class OutboundUdpRelay : IDisposable
{
    internal static readonly TimeSpan UnrepliedIdle = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan RepliedIdle = TimeSpan.FromSeconds(120);
    internal const int MaxFlows = 4096;
    private const int MaxDatagram = 65535;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    private readonly Socket _entry;
    private readonly INetworkFabric _fabric;
    private readonly ILogger _log;
    private readonly OutboundFlowTable<FlowKey, Flow> _flows;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;

    private OutboundUdpRelay(Socket entry, INetworkFabric fabric, TimeProvider time, ILogger log)
    {
        _entry = entry;
        _fabric = fabric;
        _time = time;
        _log = log;
        _flows = new OutboundFlowTable<FlowKey, Flow>(time, UnrepliedIdle, RepliedIdle, MaxFlows);
    }

    /// <summary>The entry socket's port in the fabric, for <see cref="OutboundRoutes.UdpRelayPort"/>.</summary>
    public int Port => ((IPEndPoint)_entry.LocalEndPoint!).Port;

    public int FlowCount => _flows.Count;

    /// <summary>Opens the entry socket in the fabric; throws <see cref="PortLayerException"/> or
    /// <see cref="SocketException"/> when the fabric cannot have one (no namespace, no CAP_NET_ADMIN).</summary>
    public static async Task<OutboundUdpRelay> StartAsync(INetworkFabric fabric, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        var entry = await fabric.CreateSocketAsync(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, cancellationToken);
        try
        {
            LinuxSockets.MakeTransparent(entry);
            LinuxSockets.ReceiveOriginalDestinations(entry);
            // TPROXY looks the socket up on the bridge's primary address: listen on all of them.
            entry.Bind(new IPEndPoint(IPAddress.Any, 0));
        }
        catch
        {
            entry.Dispose();
            throw;
        }
        var relay = new OutboundUdpRelay(entry, fabric, time, log);
        _ = Task.Run(relay.EntryLoopAsync, CancellationToken.None);
        _ = Task.Run(relay.SweepLoopAsync, CancellationToken.None);
        return relay;
    }

    private volatile Func<IPAddress, bool> _natted = _ => false;
    private volatile Func<IPAddress, bool> _insideRanges = _ => true;

    /// <summary>Which sources may send out (addresses on NAT'd networks) and which destinations are the VCH's own. The
    /// fabric only hands over such datagrams; but a container can also write to the entry socket's port on its gateway
    /// directly, and that must not become a flow from the host to a gateway address (which the host may route elsewhere).</summary>
    public void SetRanges(Func<IPAddress, bool> natted, Func<IPAddress, bool> inside)
    {
        _natted = natted;
        _insideRanges = inside;
    }

    /// <summary>Closes the flows of containers that are gone (<paramref name="gone"/> is asked about each flow's
    /// container address).</summary>
    public void ForgetContainers(Func<IPAddress, bool> gone)
    {
        foreach (var flow in _flows.RemoveWhere(key => gone(key.Container.Address)))
            flow.Dispose();
    }

    private async Task EntryLoopAsync()
    {
        byte[] buffer = new byte[MaxDatagram];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                // Wait for a datagram without taking it, then take every queued one with its original destination.
                await _entry.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, _stop.Token);
                int length;
                while ((length = LinuxSockets.TryReceive(_entry, buffer, out var source, out var destination)) >= 0)
                {
                    if (source is not null && destination is not null && length > 0 && _natted(source.Address) && !_insideRanges(destination.Address))
                        await ForwardFirstAsync(new FlowKey(source, destination), buffer.AsMemory(0, length));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogRelayFailed(_log, "entry", e.Message);
            }
        }
    }

    /// <summary>A datagram the entry socket got: a new flow's first, or one that arrived before its flow's own socket
    /// was bound.</summary>
    private async Task ForwardFirstAsync(FlowKey key, ReadOnlyMemory<byte> datagram)
    {
        var flow = _flows.Find(key);
        if (flow is null)
        {
            flow = await OpenAsync(key);
            if (flow is null)
                return;
            _flows.Add(key, flow)?.Dispose();
            _ = Task.Run(() => ContainerToOutsideAsync(key, flow), CancellationToken.None);
            _ = Task.Run(() => OutsideToContainerAsync(key, flow), CancellationToken.None);
        }
        _flows.Touch(key, reply: false);
        await SendAsync(flow.Outside, datagram, key);
    }

    private async Task<Flow?> OpenAsync(FlowKey key)
    {
        Socket? inside = null, outside = null;
        try
        {
            // In the host's namespace (this thread's): the datagrams leave by the host's routes, with its address.
            outside = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            outside.Connect(key.Destination);
            inside = await _fabric.CreateSocketAsync(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, _stop.Token);
            LinuxSockets.MakeTransparent(inside);
            // Several containers may talk to one destination: each flow's socket binds it (the connected one wins the lookup).
            inside.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            inside.Bind(key.Destination);
            inside.Connect(key.Container);
            return new Flow(inside, outside);
        }
        catch (Exception e) when (e is SocketException or PortLayerException)
        {
            // No route from the host, or the fabric refused: the container hears nothing, as behind a NAT without a route.
            LogOpenFailed(_log, key.Container.ToString(), key.Destination.ToString(), e.Message);
            inside?.Dispose();
            outside?.Dispose();
            return null;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            inside?.Dispose();
            outside?.Dispose();
            return null;
        }
    }

    private Task ContainerToOutsideAsync(FlowKey key, Flow flow) => PumpAsync(key, flow, flow.Inside, flow.Outside, reply: false);

    private Task OutsideToContainerAsync(FlowKey key, Flow flow) => PumpAsync(key, flow, flow.Outside, flow.Inside, reply: true);

    /// <summary>One direction of a flow until it is closed. A buffer is rented only while a datagram is in hand, so an
    /// idle flow costs its two sockets and nothing more.</summary>
    private async Task PumpAsync(FlowKey key, Flow flow, Socket from, Socket to, bool reply)
    {
        while (!flow.Closed && !_stop.IsCancellationRequested)
        {
            byte[] buffer = [];
            try
            {
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, _stop.Token);
                buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
                int length = from.Receive(buffer, SocketFlags.None);
                if (!_flows.Touch(key, reply))
                    break;
                await SendAsync(to, buffer.AsMemory(0, length), key);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                // An ICMP error for an earlier datagram (nothing listens there): the flow stays, as a NAT entry would.
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            finally
            {
                if (buffer.Length > 0)
                    ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async Task SendAsync(Socket socket, ReadOnlyMemory<byte> datagram, FlowKey key)
    {
        try
        {
            await socket.SendAsync(datagram, SocketFlags.None, _stop.Token);
        }
        catch (SocketException e)
        {
            // A full buffer or an ICMP error of an earlier datagram: UDP may lose this one.
            LogRelayFailed(_log, key.Destination.ToString(), e.Message);
        }
    }

    private async Task SweepLoopAsync()
    {
        using var timer = new PeriodicTimer(SweepInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                foreach (var flow in _flows.Expire())
                    flow.Dispose();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _entry.Dispose();
        foreach (var flow in _flows.Clear())
            flow.Dispose();
    }

    /// <summary>A flow: the container's address and port, and where it was sending.</summary>
    private readonly record struct FlowKey(IPEndPoint Container, IPEndPoint Destination);

    private sealed class Flow(Socket inside, Socket outside) : IDisposable
    {
        public Socket Inside { get; } = inside;
        public Socket Outside { get; } = outside;
        public bool Closed { get; private set; }

        public void Dispose()
        {
            Closed = true;
            Inside.Dispose();
            Outside.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "outbound udp: {Container} cannot reach {Destination}: {Reason}")]
    private static partial void LogOpenFailed(ILogger logger, string container, string destination, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "outbound udp ({Where}): {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string where, string reason);
}
