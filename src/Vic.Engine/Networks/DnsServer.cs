using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>
/// The VCH's DNS server: one UDP socket per network on its gateway address, inside the fabric (containers get it as
/// their nameserver). A-queries for a container name, hostname, network alias or short ID answer every running
/// container on that network that carries it; other names are forwarded to the host's resolvers.
/// </summary>
internal sealed partial class DnsServer(NetworkService networks, PortLayerServices portLayer, EngineOptions options, ILogger<DnsServer> log) : IHostedService
{
    private const int Port = 53;
    private const uint Ttl = 600;
    private static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<string, (Socket Socket, CancellationTokenSource Stop)> _servers = new(StringComparer.Ordinal);
    private IReadOnlyList<IPAddress> _upstream = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _upstream = Upstreams();
        if (!networks.Available)
            return;
        networks.Changed += OnChanged;
        foreach (var network in networks.All)
            await ServeAsync(network, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        networks.Changed -= OnChanged;
        foreach (string id in _servers.Keys)
            Stop(id);
        return Task.CompletedTask;
    }

    private void OnChanged(NetworkRecord network, bool created)
    {
        if (created)
            _ = ServeAsync(network, CancellationToken.None);
        else
            Stop(network.Id);
    }

    private async Task ServeAsync(NetworkRecord network, CancellationToken cancellationToken)
    {
        // A container network's gateway is someone else's router: the VCH has no address there to answer on.
        if (network.IsExternal)
            return;
        try
        {
            var socket = await portLayer.Network.CreateSocketAsync(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, cancellationToken);
            socket.Bind(new IPEndPoint(IPAddress.Parse(network.Gateway), Port));
            var stop = new CancellationTokenSource();
            _servers[network.Id] = (socket, stop);
            _ = Task.Run(() => LoopAsync(network, socket, stop.Token), CancellationToken.None);
        }
        catch (Exception e) when (e is SocketException or PortLayerException)
        {
            LogServeFailed(log, network.Name, e.Message);
        }
    }

    private void Stop(string networkId)
    {
        if (_servers.TryRemove(networkId, out var server))
        {
            server.Stop.Cancel();
            server.Socket.Dispose();
        }
    }

    private async Task LoopAsync(NetworkRecord network, Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            byte[] query = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            _ = AnswerAsync(network, socket, query, received.RemoteEndPoint, cancellationToken);
        }
    }

    private async Task AnswerAsync(NetworkRecord network, Socket socket, byte[] query, EndPoint client, CancellationToken cancellationToken)
    {
        try
        {
            byte[]? reply;
            if (DnsMessage.TryReadQuestion(query, out string name, out ushort type, out int questionEnd))
            {
                var addresses = await LookupAsync(network, name, (client as IPEndPoint)?.Address, cancellationToken);
                // A known name answers every type (AAAA gets an empty answer at once); unknown names go upstream.
                reply = addresses.Count > 0
                    ? DnsMessage.Answer(query, questionEnd, type == DnsMessage.TypeA ? addresses : [], Ttl)
                    : await ForwardAsync(query, cancellationToken) ?? DnsMessage.Failure(query, questionEnd, DnsMessage.ServerFailure);
            }
            else
            {
                reply = DnsMessage.Failure(query, Math.Min(query.Length, 12), DnsMessage.FormatError);
            }
            if (reply is not null)
                await socket.SendToAsync(reply, SocketFlags.None, client, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client or the server went away; DNS clients retry.
        }
    }

    /// <summary>
    /// Running containers answering to <paramref name="name"/> (name, hostname, alias, short ID) on the network, and, for
    /// the container asking from <paramref name="asker"/>, on every other network it is on (as dockerd's embedded DNS
    /// answers for all of a container's networks) and through the aliases of its links, which only it sees.
    /// </summary>
    public async Task<List<IPAddress>> LookupAsync(NetworkRecord network, string name, IPAddress? asker, CancellationToken cancellationToken)
    {
        string wanted = name.TrimEnd('.').ToLowerInvariant();
        var onNetwork = await networks.EndpointsOnAsync(network.Id, cancellationToken);
        var searched = new List<(NetworkRecord Network, List<(ContainerInfo Container, EndpointRecord Endpoint)> Users)> { (network, onNetwork) };
        var self = asker is null ? default : onNetwork.FirstOrDefault(u => u.Endpoint.IPAddress == asker.ToString());
        if (self.Container is not null)
        {
            foreach (var endpoint in NetworkAnnotations.Read(self.Container).Where(e => e.NetworkId != network.Id))
            {
                if (networks.All.FirstOrDefault(n => n.Id == endpoint.NetworkId) is { } other)
                    searched.Add((other, await networks.EndpointsOnAsync(other.Id, cancellationToken)));
            }
            foreach (var endpoint in NetworkAnnotations.Read(self.Container))
            {
                foreach (string link in endpoint.Links)
                {
                    // "target:alias", as stored, or the API's legacy "/target:/container/alias".
                    int colon = link.IndexOf(':');
                    string target = (colon < 0 ? link : link[..colon]).TrimStart('/');
                    string rest = colon < 0 ? target : link[(colon + 1)..];
                    string alias = rest[(rest.LastIndexOf('/') + 1)..];
                    if (alias.Equals(wanted, StringComparison.OrdinalIgnoreCase) || $"{alias}.{endpoint.NetworkName}".Equals(wanted, StringComparison.OrdinalIgnoreCase))
                        wanted = target.ToLowerInvariant();
                }
            }
        }
        var result = new List<IPAddress>();
        foreach (var (searchedNetwork, users) in searched)
        {
            foreach (var (container, endpoint) in users)
            {
                if (container.Status.State is not (ContainerRunState.Running or ContainerRunState.Paused))
                    continue;
                var names = new[] { container.Spec.Name, container.Spec.Hostname, container.Spec.Id[..12] }.Concat(endpoint.Aliases);
                string address = DhcpLeases.Shown(endpoint, container).IPAddress; // empty on a DHCP network without a lease
                if (address.Length > 0 && names.Any(n => n.Length > 0 && (n.Equals(wanted, StringComparison.OrdinalIgnoreCase) || $"{n}.{searchedNetwork.Name}".Equals(wanted, StringComparison.OrdinalIgnoreCase))))
                    result.Add(IPAddress.Parse(address));
            }
            if (result.Count > 0)
                break; // the asking network's answer first, as a container's own network wins
        }
        return result;
    }

    private async Task<byte[]?> ForwardAsync(byte[] query, CancellationToken cancellationToken)
    {
        foreach (var upstream in _upstream)
        {
            using var socket = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(ForwardTimeout);
            try
            {
                await socket.SendToAsync(query, SocketFlags.None, new IPEndPoint(upstream, Port), deadline.Token);
                var buffer = new byte[4096];
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                return buffer.AsSpan(0, n).ToArray();
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // Try the next resolver.
            }
        }
        return null;
    }

    /// <summary>The resolvers names are forwarded to: configured ones, else the host's /etc/resolv.conf.</summary>
    private IReadOnlyList<IPAddress> Upstreams()
    {
        IEnumerable<string> servers = options.UpstreamDns;
        if (!servers.Any() && File.Exists("/etc/resolv.conf"))
        {
            servers = File.ReadAllLines("/etc/resolv.conf")
                .Select(l => l.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length >= 2 && p[0] == "nameserver")
                .Select(p => p[1]);
        }
        return servers.Select(s => IPAddress.TryParse(s, out var ip) ? ip : null).OfType<IPAddress>().ToList();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "no DNS server on network {Network}: {Reason}")]
    private static partial void LogServeFailed(ILogger logger, string network, string reason);
}

/// <summary>Just enough of the DNS wire format (RFC 1035) for one-question queries and A answers.</summary>
internal static class DnsMessage
{
    public const ushort TypeA = 1;
    public const int FormatError = 1;
    public const int ServerFailure = 2;

    /// <summary>Reads the first question's name and type; <paramref name="end"/> is the offset after it.</summary>
    public static bool TryReadQuestion(byte[] message, out string name, out ushort type, out int end)
    {
        name = "";
        type = 0;
        end = 0;
        if (message.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(4)) < 1)
            return false;
        var labels = new List<string>();
        int offset = 12;
        while (true)
        {
            if (offset >= message.Length)
                return false;
            int length = message[offset++];
            if (length == 0)
                break;
            if (length > 63 || offset + length > message.Length)
                return false; // compression pointers never appear in a query's first question
            labels.Add(Encoding.ASCII.GetString(message, offset, length));
            offset += length;
        }
        if (offset + 4 > message.Length)
            return false;
        type = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset));
        end = offset + 4;
        name = string.Join('.', labels);
        return true;
    }

    /// <summary>A reply to the question with the given A records (none: an empty NOERROR answer).</summary>
    public static byte[] Answer(byte[] query, int questionEnd, IReadOnlyList<IPAddress> addresses, uint ttl)
    {
        var reply = new List<byte>(questionEnd + addresses.Count * 16);
        reply.AddRange(query.AsSpan(0, questionEnd).ToArray());
        var header = Header(query, 0);
        header.CopyTo(reply);
        foreach (var address in addresses)
        {
            reply.AddRange([0xC0, 0x0C, 0, (byte)TypeA, 0, 1]); // name: pointer to the question; type A; class IN
            var ttlBytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(ttlBytes, ttl);
            reply.AddRange(ttlBytes);
            reply.AddRange([0, 4]);
            reply.AddRange(address.GetAddressBytes());
        }
        var bytes = reply.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), (ushort)addresses.Count);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(10), 0);
        return bytes;
    }

    public static byte[] Failure(byte[] query, int questionEnd, int rcode)
    {
        var bytes = query.AsSpan(0, Math.Max(12, questionEnd)).ToArray();
        Header(query, rcode).CopyTo(bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(10), 0);
        return bytes;
    }

    /// <summary>ID and question count of the query; QR and RA set, RD copied, the given RCODE.</summary>
    private static byte[] Header(byte[] query, int rcode)
    {
        var header = query.AsSpan(0, 12).ToArray();
        header[2] = (byte)(0x80 | (query[2] & 0x01));
        header[3] = (byte)(0x80 | (rcode & 0x0f));
        return header;
    }

    private static void CopyTo(this byte[] header, List<byte> target)
    {
        for (int i = 0; i < header.Length; i++)
            target[i] = header[i];
    }

    private static void CopyTo(this byte[] header, byte[] target) => header.AsSpan().CopyTo(target);
}
