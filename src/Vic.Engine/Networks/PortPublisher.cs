using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vic.Engine.Containers;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>One published port: where the host listens, and the container port it reaches.</summary>
internal sealed record PublishedPort(string ContainerPort, string Protocol, string HostIp, int HostPort);

/// <summary>
/// -p / -P: the VCH listens on the host and relays each TCP connection to the container's address inside the
/// fabric (a userland proxy, as dockerd's docker-proxy: the host's firewall is never touched). Bound before the VM
/// starts, so a taken port fails docker start with dockerd's message; released when the container stops; bound
/// again for running containers when the VCH starts.
/// </summary>
internal sealed partial class PortPublisher(PortLayerServices portLayer, ContainerResolver resolver, ILogger<PortPublisher> log) : IHostedService
{
    private readonly ConcurrentDictionary<string, List<IPublishedRelay>> _byContainer = new(StringComparer.Ordinal);
    private readonly Lock _bindLock = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged += OnStateChanged;
        foreach (var c in await resolver.ListAsync(cancellationToken))
        {
            if (!c.IsRunning)
                continue;
            try
            {
                Publish(c);
            }
            catch (PortLayerException e)
            {
                LogRepublishFailed(log, c.Id, e.Message);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged -= OnStateChanged;
        foreach (string id in _byContainer.Keys)
            Release(id);
        return Task.CompletedTask;
    }

    public IReadOnlyList<PublishedPort> PortsOf(string containerId) =>
        _byContainer.TryGetValue(containerId, out var listeners) ? listeners.Select(l => l.Port).ToList() : [];

    private void OnStateChanged(object? sender, ContainerStateChanged change)
    {
        if (change.State is ContainerRunState.Exited or ContainerRunState.Removing or ContainerRunState.Dead)
            Release(change.Id);
        // A run the start route did not make (a restart policy acting) needs its ports again.
        else if (change.State == ContainerRunState.Running && !_byContainer.ContainsKey(change.Id))
            _ = RepublishAsync(change.Id);
    }

    private async Task RepublishAsync(string id)
    {
        try
        {
            var container = await resolver.ResolveAsync(id, CancellationToken.None);
            if (container.IsRunning && !_byContainer.ContainsKey(id))
                Publish(container);
        }
        catch (PortLayerException e)
        {
            LogRepublishFailed(log, id, e.Message);
        }
    }

    /// <summary>Binds every port the container publishes; on any failure nothing stays bound.</summary>
    public void Publish(ContainerRecord container)
    {
        var wanted = Wanted(container);
        if (wanted.Count == 0)
            return;
        var endpoints = NetworkAnnotations.Read(container.Info);
        if (endpoints.Count == 0)
            throw new InvalidArgumentException("published ports need a network: the container has none (--network none?)");
        if (endpoints[0].Dhcp)
            throw new InvalidArgumentException($"published ports need an address the VCH knows: network {endpoints[0].NetworkName} gives addresses by DHCP (its containers are reached on their own address)");
        var target = IPAddress.Parse(endpoints[0].IPAddress);
        Release(container.Id);
        var bound = new List<IPublishedRelay>();
        lock (_bindLock)
        {
            try
            {
                foreach (var (containerPort, protocol, hostIp, firstPort, lastPort) in wanted)
                {
                    // A host range (-p 8000-8010:80) takes its first free port, as dockerd's allocator does.
                    for (int hostPort = firstPort; ; hostPort++)
                    {
                        try
                        {
                            bound.Add(protocol switch
                            {
                                "tcp" => Listener.Start(container, containerPort, hostIp, hostPort, target, portLayer.Network, log),
                                "udp" => UdpRelay.Start(container, containerPort, hostIp, hostPort, target, portLayer.Network, log),
                                _ => throw new InvalidArgumentException($"publishing {protocol} ports is not supported by this VCH (tcp and udp only)"),
                            });
                            break;
                        }
                        catch (ConflictException) when (hostPort < lastPort)
                        {
                            // taken: try the next port of the range
                        }
                        catch (ConflictException) when (firstPort != lastPort)
                        {
                            throw new ConflictException($"driver failed programming external connectivity on endpoint {container.Name}: Bind for {hostIp}:{firstPort}-{lastPort} failed: port is already allocated");
                        }
                    }
                }
            }
            catch
            {
                foreach (var listener in bound)
                    listener.Dispose();
                throw;
            }
        }
        _byContainer[container.Id] = bound;
    }

    public void Release(string containerId)
    {
        if (_byContainer.TryRemove(containerId, out var listeners))
        {
            foreach (var listener in listeners)
                listener.Dispose();
        }
    }

    /// <summary>
    /// HostConfig.PortBindings, plus every exposed port with a random host port under -P; each with the host port range
    /// to take it from (one port, or 0 for a random one, unless the binding gave "first-last").
    /// </summary>
    private static List<(string ContainerPort, string Protocol, string HostIp, int FirstPort, int LastPort)> Wanted(ContainerRecord c)
    {
        var result = new List<(string, string, string, int, int)>();
        var bindings = c.HostConfig.PortBindings ?? [];
        var keys = bindings.Keys.ToList();
        if (c.HostConfig.PublishAllPorts && c.Config.ExposedPorts is { } exposed)
            keys.AddRange(exposed.Keys.Where(k => !bindings.ContainsKey(k)));
        foreach (string key in keys)
        {
            var (port, protocol) = SplitPort(key);
            var list = bindings.GetValueOrDefault(key) is { Count: > 0 } b ? b : [new Models.PortBinding()];
            foreach (var binding in list)
            {
                var (first, last) = HostPortRange(binding.HostPort);
                result.Add((port, protocol, string.IsNullOrEmpty(binding.HostIp) ? "0.0.0.0" : binding.HostIp, first, last));
            }
        }
        return result;
    }

    /// <summary>"" (random), "8080", or "8000-8010"; dockerd's message for anything else.</summary>
    internal static (int First, int Last) HostPortRange(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return (0, 0);
        string[] parts = text.Split('-');
        if (parts.Length > 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
            || !int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int last)
            || first is < 0 or > 65535 || last is < 0 or > 65535)
            throw new InvalidArgumentException($"invalid host port \"{text}\"");
        if (last < first)
            throw new InvalidArgumentException($"invalid port range: {text}");
        return (first, last);
    }

    public static (string Port, string Protocol) SplitPort(string key)
    {
        string[] parts = key.Split('/');
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new InvalidArgumentException($"invalid port specification: \"{key}\"");
        return (parts[0], parts.Length > 1 ? parts[1].ToLowerInvariant() : "tcp");
    }

    /// <summary>One host socket relaying to one container port (TCP or UDP).</summary>
    internal interface IPublishedRelay : IDisposable
    {
        PublishedPort Port { get; }
    }

    /// <summary>Binds a host socket for a published port, with dockerd's messages for a taken port and a bad address.</summary>
    internal static Socket Bind(ContainerRecord container, string hostIp, int hostPort, SocketType type, ProtocolType protocol)
    {
        if (!IPAddress.TryParse(hostIp, out var address))
            throw new InvalidArgumentException($"invalid host IP \"{hostIp}\"");
        var socket = new Socket(address.AddressFamily, type, protocol);
        string proto = protocol == ProtocolType.Udp ? "udp" : "tcp";
        try
        {
            socket.Bind(new IPEndPoint(address, hostPort));
            if (type == SocketType.Stream)
                socket.Listen(128);
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new ConflictException($"driver failed programming external connectivity on endpoint {container.Name}: Bind for {hostIp}:{hostPort} failed: port is already allocated");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new InvalidArgumentException($"driver failed programming external connectivity on endpoint {container.Name}: listen {proto} {hostIp}:{hostPort}: {e.Message}");
        }
    }

    /// <summary>One host listener relaying TCP connections to one container port.</summary>
    private sealed class Listener : IPublishedRelay
    {
        private readonly Socket _socket;
        private readonly CancellationTokenSource _stop = new();

        private Listener(Socket socket, PublishedPort port)
        {
            _socket = socket;
            Port = port;
        }

        public PublishedPort Port { get; }

        public static Listener Start(ContainerRecord container, string containerPort, string hostIp, int hostPort, IPAddress target,
            INetworkFabric fabric, ILogger log)
        {
            var socket = Bind(container, hostIp, hostPort, SocketType.Stream, ProtocolType.Tcp);
            int actual = ((IPEndPoint)socket.LocalEndPoint!).Port;
            var listener = new Listener(socket, new PublishedPort(containerPort, "tcp", hostIp, actual));
            _ = listener.AcceptLoopAsync(new IPEndPoint(target, int.Parse(containerPort, CultureInfo.InvariantCulture)), fabric, log);
            return listener;
        }

        private async Task AcceptLoopAsync(IPEndPoint target, INetworkFabric fabric, ILogger log)
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _socket.AcceptAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                _ = RelayAsync(client, target, fabric, log);
            }
        }

        private async Task RelayAsync(Socket client, IPEndPoint target, INetworkFabric fabric, ILogger log)
        {
            using (client)
            {
                Socket inside;
                try
                {
                    inside = await fabric.CreateSocketAsync(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp, _stop.Token);
                    await inside.ConnectAsync(target, _stop.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or PortLayerException)
                {
                    LogConnectFailed(log, target.ToString(), e.Message);
                    return;
                }
                using (inside)
                {
                    client.NoDelay = inside.NoDelay = true;
                    await using var outer = new NetworkStream(client, ownsSocket: false);
                    await using var inner = new NetworkStream(inside, ownsSocket: false);
                    var up = PipeAsync(outer, inner, inside);
                    var down = PipeAsync(inner, outer, client);
                    await Task.WhenAll(up, down);
                }
            }
        }

        /// <summary>Copies one direction; at its end the other side's write half is shut, as a proxy should.</summary>
        private async Task PipeAsync(Stream from, Stream to, Socket toSocket)
        {
            try
            {
                await from.CopyToAsync(to, 128 * 1024, _stop.Token);
                toSocket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Either side went away; the relay ends.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not publish the ports of running container {Id} again: {Reason}")]
    private static partial void LogRepublishFailed(ILogger logger, string id, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "published port: cannot reach {Target}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string target, string reason);
}
