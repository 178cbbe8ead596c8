using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>
/// Docker networks of the VCH: kept in the metadata store, each backed by a bridge of the port layer's fabric.
/// IPAM hands out /16s of the pool (default 172.16.0.0/12, as VIC did) to networks without --subnet and addresses
/// to endpoints; an endpoint's address is stored with its container and kept across stop/start and restarts.
/// </summary>
internal sealed partial class NetworkService(PortLayerServices portLayer, EngineOptions options, TimeProvider time, ILogger<NetworkService> log) : IHostedService
{
    public const string DefaultNetworkName = "bridge";
    private const string KeyPrefix = "networks";
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, NetworkRecord> _networks = new(StringComparer.Ordinal);

    public bool Available => portLayer.Network.Available;

    /// <summary>Raised after a network is created (true) or removed (false), for the DNS server.</summary>
    public event Action<NetworkRecord, bool>? Changed;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (string key in await portLayer.Metadata.ListAsync(KeyPrefix, cancellationToken))
        {
            var bytes = await portLayer.Metadata.GetAsync(key, cancellationToken);
            if (bytes is null)
                continue;
            try
            {
                if (JsonSerializer.Deserialize(bytes, NetworkJson.Default.NetworkRecord) is { } network)
                    _networks[network.Id] = network;
            }
            catch (JsonException e)
            {
                LogUnreadable(log, key, e.Message);
            }
        }
        // Container networks first: the default bridge's /16 must not take their range.
        await ReconcileContainerNetworksAsync(cancellationToken);
        if (!_networks.Values.Any(n => n.IsDefaultBridge))
        {
            var subnet = NextFreeSubnet();
            await SaveAsync(new NetworkRecord
            {
                Id = Containers.ContainerIds.New(),
                Name = DefaultNetworkName,
                Subnet = subnet.ToString(),
                Gateway = Ipv4Subnet.Format(subnet.FirstHost),
                Created = time.GetUtcNow(),
                Predefined = true,
                Options = new() { ["com.docker.network.bridge.default_bridge"] = "true" },
            }, cancellationToken);
        }
        if (!Available)
            return;
        foreach (var network in _networks.Values)
        {
            try
            {
                await EnsureBridgeAsync(network, cancellationToken);
            }
            catch (PortLayerException e)
            {
                LogBridgeFailed(log, network.Name, e.Message);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public IReadOnlyList<NetworkRecord> All
    {
        get
        {
            lock (_networks)
                return _networks.Values.OrderBy(n => n.Created).ToList();
        }
    }

    /// <summary>By full ID, exact name, then unique ID prefix, as dockerd resolves networks.</summary>
    public NetworkRecord Find(string nameOrId)
    {
        var all = All;
        var match = all.FirstOrDefault(n => n.Id == nameOrId) ?? all.FirstOrDefault(n => n.Name == nameOrId);
        if (match is not null)
            return match;
        var byPrefix = all.Where(n => n.Id.StartsWith(nameOrId, StringComparison.Ordinal)).Take(2).ToList();
        return byPrefix.Count == 1 && nameOrId.Length > 0 ? byPrefix[0] : throw new NotFoundException($"network {nameOrId} not found");
    }

    /// <summary>The network with this full ID, or null (removed meanwhile).</summary>
    public NetworkRecord? TryFind(string id)
    {
        lock (_networks)
            return _networks.GetValueOrDefault(id);
    }

    /// <summary>Held by whoever allocates addresses and then records them (container create), so two creates never get one address.</summary>
    public async Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        return new Releaser(_lock);
    }

    public async Task<NetworkRecord> CreateAsync(string name, string driver, string? subnetText, string? gatewayText, string? ipRangeText,
        Dictionary<string, string> auxAddresses, bool isInternal, bool attachable, Dictionary<string, string> labels, Dictionary<string, string> driverOptions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new InvalidArgumentException("network name cannot be empty");
        if (driver is not ("" or "bridge"))
            throw new NotFoundException($"plugin \"{driver}\" not found");
        if (name is "host" or "none")
            throw new ForbiddenException($"{name} is a pre-defined network and cannot be created");
        using var held = await LockAsync(cancellationToken);
        if (All.Any(n => n.Name == name))
            throw new ConflictException($"network with name {name} already exists");
        var subnet = subnetText is { Length: > 0 } ? Ipv4Subnet.Parse(subnetText) : NextFreeSubnet();
        if (All.FirstOrDefault(n => !n.Dhcp && Ipv4Subnet.Parse(n.Subnet).Overlaps(subnet)) is { } other)
            throw new ForbiddenException($"Pool overlaps with other one on this address space ({other.Name}: {other.Subnet})");
        uint gateway = gatewayText is { Length: > 0 } ? Ipv4Subnet.ParseAddress(gatewayText, "gateway") : subnet.FirstHost;
        if (!subnet.Contains(gateway) || gateway == subnet.Network || gateway == subnet.Broadcast)
            throw new InvalidArgumentException($"no matching subnet for gateway {Ipv4Subnet.Format(gateway)}");
        if (ipRangeText is { Length: > 0 })
        {
            var range = Ipv4Subnet.Parse(ipRangeText, "ip-range");
            if (!subnet.Contains(range.Network) || range.PrefixLength < subnet.PrefixLength)
                throw new InvalidArgumentException($"ip-range {ipRangeText} is not within subnet {subnet}");
        }
        foreach (var (auxName, auxText) in auxAddresses)
        {
            uint aux = Ipv4Subnet.ParseAddress(auxText, "auxiliary address");
            if (!subnet.Contains(aux))
                throw new InvalidArgumentException($"auxiliary address: ({auxName}:{auxText}) must belong to the master pool: {subnet}");
        }
        var network = new NetworkRecord
        {
            Id = Containers.ContainerIds.New(),
            Name = name,
            Subnet = subnet.ToString(),
            Gateway = Ipv4Subnet.Format(gateway),
            IpRange = ipRangeText is { Length: > 0 } ? ipRangeText : null,
            AuxAddresses = new Dictionary<string, string>(auxAddresses, StringComparer.Ordinal),
            Internal = isInternal,
            Attachable = attachable,
            Labels = labels,
            Options = driverOptions,
            Created = time.GetUtcNow(),
        };
        if (Available)
            await EnsureBridgeAsync(network, cancellationToken);
        await SaveAsync(network, cancellationToken);
        Changed?.Invoke(network, true);
        return network;
    }

    public async Task RemoveAsync(NetworkRecord network, CancellationToken cancellationToken)
    {
        if (network.Predefined)
            throw new ForbiddenException($"{network.Name} is a pre-defined network and cannot be removed");
        using var held = await LockAsync(cancellationToken);
        var users = await EndpointsOnAsync(network.Id, cancellationToken);
        if (users.Count > 0)
            throw new ForbiddenException($"error while removing network: network {network.Name} id {network.Id} has active endpoints");
        await portLayer.Network.RemoveBridgeAsync(network.Id, cancellationToken);
        await portLayer.Metadata.DeleteAsync($"{KeyPrefix}/{network.Id}", cancellationToken);
        lock (_networks)
            _networks.Remove(network.Id);
        Changed?.Invoke(network, false);
    }

    /// <summary>Every container with an endpoint on the network, with that endpoint.</summary>
    public async Task<List<(ContainerInfo Container, EndpointRecord Endpoint)>> EndpointsOnAsync(string networkId, CancellationToken cancellationToken)
    {
        var containers = await portLayer.Containers.ListAsync(cancellationToken);
        return containers.SelectMany(c => NetworkAnnotations.Read(c).Where(e => e.NetworkId == networkId).Select(e => (c, e))).ToList();
    }

    /// <summary>
    /// An endpoint on <paramref name="network"/>: the requested address when free and inside the network, else the
    /// first free one of its range. The MAC address is the requested one, else derived from the IP address (as dockerd's).
    /// Call while holding <see cref="LockAsync"/>.
    /// </summary>
    public async Task<EndpointRecord> AllocateAsync(NetworkRecord network, string? requestedAddress, IEnumerable<string> aliases,
        string? requestedMac, CancellationToken cancellationToken)
    {
        string? mac = string.IsNullOrEmpty(requestedMac) ? null : MacAddresses.Normalize(requestedMac);
        if (network.Dhcp)
            return DhcpEndpoint(network, requestedAddress, aliases, mac);
        var subnet = Ipv4Subnet.Parse(network.Subnet);
        var used = (await EndpointsOnAsync(network.Id, cancellationToken)).Select(u => Ipv4Subnet.ParseAddress(u.Endpoint.IPAddress)).ToHashSet();
        used.UnionWith(network.AuxAddresses.Values.Select(a => Ipv4Subnet.ParseAddress(a)));
        uint gateway = Ipv4Subnet.ParseAddress(network.Gateway);
        uint address;
        if (requestedAddress is { Length: > 0 })
        {
            if (network.IsDefaultBridge)
                throw new InvalidArgumentException("user specified IP address is supported on user defined networks only");
            address = Ipv4Subnet.ParseAddress(requestedAddress, "IPv4 address");
            if (!subnet.Contains(address) || address == subnet.Network || address == subnet.Broadcast)
                throw new InvalidArgumentException($"no available IPv4 address on network {network.Name}: {requestedAddress} is not in {network.Subnet}");
            if (address == gateway || used.Contains(address))
                throw new ConflictException($"Address already in use: {requestedAddress}");
        }
        else
        {
            var (first, last) = network.IpRange is string r ? RangeBounds(r) : (subnet.FirstHost, subnet.LastHost);
            address = 0;
            for (uint candidate = Math.Max(first, subnet.FirstHost); candidate <= Math.Min(last, subnet.LastHost); candidate++)
            {
                if (candidate != gateway && !used.Contains(candidate))
                {
                    address = candidate;
                    break;
                }
            }
            if (address == 0)
                throw new ConflictException($"no available IPv4 addresses on network {network.Name}");
        }
        return new EndpointRecord
        {
            NetworkId = network.Id,
            NetworkName = network.Name,
            EndpointId = Containers.ContainerIds.New(),
            IPAddress = Ipv4Subnet.Format(address),
            PrefixLength = subnet.PrefixLength,
            Gateway = network.Gateway,
            MacAddress = mac ?? Ipv4Subnet.MacFor(address),
            Aliases = aliases.Distinct().ToList(),
            Static = requestedAddress is { Length: > 0 },
        };
    }

    /// <summary>
    /// An endpoint on a DHCP network: no address of the VCH's (the server on the network gives one to the VM). The MAC
    /// is kept with the endpoint, so the guest's client identifier, and with it the server's lease, stays the same
    /// across stop and start.
    /// </summary>
    private static EndpointRecord DhcpEndpoint(NetworkRecord network, string? requestedAddress, IEnumerable<string> aliases, string? mac)
    {
        if (requestedAddress is { Length: > 0 })
            throw new InvalidArgumentException($"user specified IP address is not supported on network {network.Name}: its addresses come from DHCP");
        string id = Containers.ContainerIds.New();
        return new EndpointRecord
        {
            NetworkId = network.Id,
            NetworkName = network.Name,
            EndpointId = id,
            IPAddress = "",
            PrefixLength = 0,
            Gateway = "",
            MacAddress = mac ?? $"02:42:{id[0..2]}:{id[2..4]}:{id[4..6]}:{id[6..8]}",
            Aliases = aliases.Distinct().ToList(),
            Dhcp = true,
        };
    }

    /// <summary>
    /// Makes the network records match the container networks the VCH was configured with (vic-machine create or
    /// configure): a new one is added, a changed one keeps its ID (containers on it stay on it), one no longer
    /// configured is removed unless containers still use it. A bad entry is logged and left out, not fatal: the VCH
    /// and its other networks still come up.
    /// </summary>
    private async Task ReconcileContainerNetworksAsync(CancellationToken cancellationToken)
    {
        foreach (var wanted in options.ContainerNetworks)
        {
            var existing = _networks.Values.FirstOrDefault(n => n.Name == wanted.Name);
            try
            {
                if (existing is { IsExternal: false })
                    throw new ConflictException($"a network named {wanted.Name} exists already and is not a container network");
                if (wanted.Gateway is null)
                {
                    await SaveDhcpNetworkAsync(wanted, existing, cancellationToken);
                    continue;
                }
                int slash = wanted.Gateway.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0 || !int.TryParse(wanted.Gateway[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture, out int prefix) || prefix is < 1 or > 30)
                    throw new InvalidArgumentException($"gateway {wanted.Gateway}: expected address/prefix, e.g. 10.0.0.1/24");
                uint gateway = Ipv4Subnet.ParseAddress(wanted.Gateway[..slash], "gateway");
                var subnet = Ipv4Subnet.Parse($"{Ipv4Subnet.Format(gateway & (uint.MaxValue << (32 - prefix)))}/{prefix}");
                if (wanted.IpRange is string range)
                {
                    var (first, last) = RangeBounds(range);
                    if (!subnet.Contains(first) || !subnet.Contains(last))
                        throw new InvalidArgumentException($"ip-range {range} is not within subnet {subnet}");
                }
                if (_networks.Values.FirstOrDefault(n => n.Name != wanted.Name && !n.Dhcp && Ipv4Subnet.Parse(n.Subnet).Overlaps(subnet)) is { } other)
                    throw new ForbiddenException($"its subnet {subnet} overlaps network {other.Name} ({other.Subnet})");
                var record = new NetworkRecord
                {
                    Id = existing?.Id ?? Containers.ContainerIds.New(),
                    Name = wanted.Name,
                    Driver = NetworkRecord.ExternalDriver,
                    Subnet = subnet.ToString(),
                    Gateway = Ipv4Subnet.Format(gateway),
                    IpRange = wanted.IpRange,
                    Created = existing?.Created ?? time.GetUtcNow(),
                    Predefined = true,
                    Uplink = wanted.Uplink,
                    Dns = [.. wanted.Dns],
                };
                await SaveAsync(record, cancellationToken);
            }
            catch (PortLayerException e)
            {
                LogContainerNetworkRefused(log, wanted.Name, wanted.Uplink, e.Message);
            }
        }
        foreach (var stale in _networks.Values.Where(n => n.IsExternal && !options.ContainerNetworks.Any(w => w.Name == n.Name)).ToList())
        {
            if ((await EndpointsOnAsync(stale.Id, cancellationToken)).Count > 0)
            {
                LogContainerNetworkKept(log, stale.Name);
                continue;
            }
            await portLayer.Network.RemoveBridgeAsync(stale.Id, cancellationToken);
            await portLayer.Metadata.DeleteAsync($"{KeyPrefix}/{stale.Id}", cancellationToken);
            lock (_networks)
                _networks.Remove(stale.Id);
        }
    }

    /// <summary>A container network without a gateway: a DHCP server on the uplink's network gives the addresses.</summary>
    private async Task SaveDhcpNetworkAsync(ContainerNetworkOptions wanted, NetworkRecord? existing, CancellationToken cancellationToken)
    {
        if (wanted.IpRange is not null)
            throw new InvalidArgumentException($"ip-range {wanted.IpRange} needs the network's gateway (without one the network uses DHCP)");
        foreach (string server in wanted.Dns)
            Ipv4Subnet.ParseAddress(server, "DNS server address");
        await SaveAsync(new NetworkRecord
        {
            Id = existing?.Id ?? Containers.ContainerIds.New(),
            Name = wanted.Name,
            Driver = NetworkRecord.ExternalDriver,
            Subnet = "",
            Gateway = "",
            Created = existing?.Created ?? time.GetUtcNow(),
            Predefined = true,
            Uplink = wanted.Uplink,
            Dns = [.. wanted.Dns],
            Dhcp = true,
        }, cancellationToken);
    }

    /// <summary>An ip-range as first and last host: a CIDR (docker network create --ip-range) or "a.b.c.d-a.b.c.e"
    /// (vic-machine --container-network-ip-range, as VIC wrote it).</summary>
    internal static (uint First, uint Last) RangeBounds(string range)
    {
        int dash = range.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var cidr = Ipv4Subnet.Parse(range, "ip-range");
            return (cidr.FirstHost, cidr.LastHost);
        }
        uint first = Ipv4Subnet.ParseAddress(range[..dash].Trim(), "ip-range start"), last = Ipv4Subnet.ParseAddress(range[(dash + 1)..].Trim(), "ip-range end");
        if (first > last)
            throw new InvalidArgumentException($"ip-range {range}: the first address comes after the last");
        return (first, last);
    }

    /// <summary>The resolvers of a container network: its own, else the host's that a VM can reach (not loopback).</summary>
    public IReadOnlyList<string> ResolversOf(NetworkRecord network)
    {
        if (network.Dns.Count > 0)
            return network.Dns;
        IEnumerable<string> servers = options.UpstreamDns;
        if (!servers.Any() && File.Exists("/etc/resolv.conf"))
            servers = File.ReadAllLines("/etc/resolv.conf")
                .Select(l => l.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length >= 2 && p[0] == "nameserver")
                .Select(p => p[1]);
        return servers.Where(s => System.Net.IPAddress.TryParse(s, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && !System.Net.IPAddress.IsLoopback(ip)).ToList();
    }

    private Task EnsureBridgeAsync(NetworkRecord network, CancellationToken cancellationToken) =>
        network.Uplink is string uplink
            ? portLayer.Network.EnsureUplinkedBridgeAsync(network.Id, uplink, cancellationToken)
            : portLayer.Network.EnsureBridgeAsync(network.Id, $"{network.Gateway}/{Ipv4Subnet.Parse(network.Subnet).PrefixLength}", cancellationToken);

    private Ipv4Subnet NextFreeSubnet()
    {
        var pool = Ipv4Subnet.Parse(options.BridgeNetworkPool, "bridge network range");
        int size = Math.Max(pool.PrefixLength, 16);
        var taken = All.Where(n => !n.Dhcp).Select(n => Ipv4Subnet.Parse(n.Subnet)).ToList();
        for (ulong next = pool.Network; next <= pool.Broadcast; next += 1UL << (32 - size))
        {
            var candidate = new Ipv4Subnet((uint)next, size);
            if (!taken.Any(t => t.Overlaps(candidate)))
                return candidate;
        }
        throw new ForbiddenException($"could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network (pool {options.BridgeNetworkPool} is exhausted)");
    }

    private async Task SaveAsync(NetworkRecord network, CancellationToken cancellationToken)
    {
        await portLayer.Metadata.PutAsync($"{KeyPrefix}/{network.Id}", JsonSerializer.SerializeToUtf8Bytes(network, NetworkJson.Default.NetworkRecord), cancellationToken);
        lock (_networks)
            _networks[network.Id] = network;
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "container network {Name} (bridge {Uplink}) is left out: {Reason}")]
    private static partial void LogContainerNetworkRefused(ILogger logger, string name, string uplink, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "container network {Name} is no longer configured but containers still use it: kept until they are removed")]
    private static partial void LogContainerNetworkKept(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "network record {Key} is unreadable and is ignored: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "could not set up the bridge of network {Name}: {Reason}")]
    private static partial void LogBridgeFailed(ILogger logger, string name, string reason);
}
