using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Vic.Engine.Containers;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>
/// A published UDP port (-p 53:53/udp): datagrams to the host socket are relayed to the container port, one flow per
/// client address. Each flow has a socket of its own inside the fabric, connected to the container, so the
/// container's replies come back to that flow and are sent to its client from the published port, as dockerd's
/// userland proxy does. A flow idle for <see cref="FlowIdle"/> is closed; at most <see cref="MaxFlows"/> at once
/// (the oldest is dropped), so a flood of source addresses cannot grow the VCH without bound.
/// </summary>
internal sealed partial class UdpRelay : PortPublisher.IPublishedRelay
{
    internal static readonly TimeSpan FlowIdle = TimeSpan.FromSeconds(90);
    internal const int MaxFlows = 1024;
    private const int MaxDatagram = 65535;

    private readonly Socket _socket;
    private readonly IPEndPoint _target;
    private readonly INetworkFabric _fabric;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<IPEndPoint, Flow> _flows = new();

    private UdpRelay(Socket socket, PublishedPort port, IPEndPoint target, INetworkFabric fabric, ILogger log)
    {
        _socket = socket;
        Port = port;
        _target = target;
        _fabric = fabric;
        _log = log;
    }

    public PublishedPort Port { get; }

    public static UdpRelay Start(ContainerRecord container, string containerPort, string hostIp, int hostPort, IPAddress target,
        INetworkFabric fabric, ILogger log)
    {
        var socket = PortPublisher.Bind(container, hostIp, hostPort, SocketType.Dgram, ProtocolType.Udp);
        int actual = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var relay = new UdpRelay(socket, new PublishedPort(containerPort, "udp", hostIp, actual),
            new IPEndPoint(target, int.Parse(containerPort, CultureInfo.InvariantCulture)), fabric, log);
        _ = relay.ReceiveLoopAsync();
        _ = relay.ExpireLoopAsync();
        return relay;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (SocketException)
            {
                continue; // ICMP errors of an earlier send surface here on Linux; the socket stays usable
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            var client = (IPEndPoint)received.RemoteEndPoint;
            try
            {
                Flow flow = await FlowForAsync(client);
                flow.Touch();
                await flow.Inside.SendAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or PortLayerException)
            {
                LogSendFailed(_log, _target.ToString(), e.Message);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task<Flow> FlowForAsync(IPEndPoint client)
    {
        if (_flows.TryGetValue(client, out Flow? existing))
            return existing;
        if (_flows.Count >= MaxFlows && _flows.MinBy(f => f.Value.LastUsed) is { Key: { } oldest })
            Close(oldest);
        Socket inside = await _fabric.CreateSocketAsync(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, _stop.Token);
        await inside.ConnectAsync(_target, _stop.Token);
        var flow = new Flow(inside);
        _flows[client] = flow;
        _ = ReplyLoopAsync(client, flow);
        return flow;
    }

    /// <summary>The container's datagrams on one flow go back to its client, from the published port.</summary>
    private async Task ReplyLoopAsync(IPEndPoint client, Flow flow)
    {
        var buffer = new byte[MaxDatagram];
        while (!_stop.IsCancellationRequested && !flow.Closed)
        {
            try
            {
                int length = await flow.Inside.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                flow.Touch();
                await _socket.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, client, _stop.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                continue; // nothing listens in the container (yet): ICMP port unreachable, the client retries
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
        }
        Close(client);
    }

    private async Task ExpireLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                long now = Environment.TickCount64;
                foreach (var (client, flow) in _flows)
                {
                    if (now - flow.LastUsed > (long)FlowIdle.TotalMilliseconds)
                        Close(client);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Released.
        }
    }

    private void Close(IPEndPoint client)
    {
        if (_flows.TryRemove(client, out Flow? flow))
            flow.Dispose();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        foreach (var client in _flows.Keys)
            Close(client);
    }

    private sealed class Flow(Socket inside) : IDisposable
    {
        private long _lastUsed = Environment.TickCount64;

        public Socket Inside { get; } = inside;
        public bool Closed { get; private set; }
        public long LastUsed => Interlocked.Read(ref _lastUsed);

        public void Touch() => Interlocked.Exchange(ref _lastUsed, Environment.TickCount64);

        public void Dispose()
        {
            Closed = true;
            Inside.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "published udp port: cannot relay to {Target}: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string target, string reason);
}
