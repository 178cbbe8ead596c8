using System.Text.Json;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>What a new container gets from its network settings: endpoints (kept in its annotations), the NICs,
/// resolv.conf and /etc/hosts lines its VM is given, and the environment its legacy links add.</summary>
internal sealed record NetworkAttachment(List<EndpointRecord> Endpoints, List<NicSpec> Nics, DnsConfig? Dns, List<HostAlias> ExtraHosts,
    List<string> LinkEnv);

/// <summary>Turns HostConfig.NetworkMode, NetworkingConfig, --dns*, --add-host into a <see cref="NetworkAttachment"/>.</summary>
internal static class ContainerNetworking
{
    public static async Task<NetworkAttachment> AttachAsync(NetworkService networks, string containerId, string name, string hostname,
        HostConfig hostConfig, JsonElement? networkingConfig, MacRequest? configMac, CancellationToken cancellationToken)
    {
        string mode = hostConfig.NetworkMode;
        var requested = EndpointRequests(networkingConfig);
        var extraHosts = ExtraHosts(hostConfig.ExtraHosts);
        if (mode == "none")
        {
            if (requested.Count > 0)
                throw new InvalidArgumentException("conflicting options: container cannot be connected to other networks with network mode none");
            return new NetworkAttachment([], [], null, extraHosts, []);
        }
        if (mode == "host" || mode.StartsWith("container:", StringComparison.Ordinal))
            throw new InvalidArgumentException($"network mode \"{mode}\" is not supported: every container is a VM with its own network stack; use a bridge network and published ports");
        if (!networks.Available)
            return new NetworkAttachment([], [], null, extraHosts, []);

        string primaryName = mode is "default" or "" ? NetworkService.DefaultNetworkName : mode;
        var primary = networks.Find(primaryName);
        var wanted = new List<NetworkRecord> { primary };
        // The CLI names the primary network's endpoint after the mode it sent ("default" included).
        if (requested.Remove(mode, out var primaryRequest))
            requested[primary.Name] = primaryRequest;
        foreach (string other in requested.Keys)
        {
            var network = networks.Find(other);
            if (!wanted.Any(w => w.Id == network.Id))
                wanted.Add(network);
        }

        var links = (hostConfig.Links ?? []).Select(ParseLink).ToList();
        // A container network has no VCH DNS to carry links, and no legacy /etc/hosts links either.
        if (primary.IsExternal && links.Count > 0)
            throw new InvalidArgumentException("links are only supported for user-defined networks");
        var endpoints = new List<EndpointRecord>();
        foreach (var network in wanted)
        {
            var request = requested.FirstOrDefault(r => r.Key == network.Name || r.Key == network.Id).Value;
            if (network.IsDefaultBridge && request?.Aliases.Count > 0)
                throw new InvalidArgumentException("network-scoped alias is supported only for containers in user defined networks");
            string? mac = network == primary ? MacAddresses.ForPrimary(request?.MacAddress, configMac) : request?.MacAddress;
            var endpoint = await networks.AllocateAsync(network, request?.Address, request?.Aliases ?? [], mac, cancellationToken);
            if (request is not null)
                endpoint = endpoint with { Links = request.Links, LinkLocalIPs = request.LinkLocalIPs, DriverOpts = request.DriverOpts };
            // --link on a user network: the alias resolves (through the VCH's DNS) for this container only.
            if (!network.Predefined && network == primary && links.Count > 0)
                endpoint = endpoint with { Links = [.. endpoint.Links, .. links.Select(l => $"{l.Target}:{l.Alias}")] };
            endpoints.Add(endpoint);
        }

        // --link on the default bridge (legacy links): /etc/hosts lines with the linked container's address there,
        // and the linked container's name, address, ports and environment as variables.
        var linkEnv = new List<string>();
        if (primary.IsDefaultBridge && links.Count > 0)
        {
            var onBridge = await networks.EndpointsOnAsync(primary.Id, cancellationToken);
            foreach (var (target, alias) in links)
            {
                var linked = onBridge.FirstOrDefault(u => u.Container.Spec.Name == target);
                if (linked.Container is null)
                    throw new NotFoundException($"could not get container for {target}");
                extraHosts.Add(new HostAlias(linked.Endpoint.IPAddress, alias == target ? [alias] : [alias, target]));
                var child = Containers.DockerAnnotations.Decode(linked.Container).Config;
                linkEnv.AddRange(LegacyLinkEnv.For($"/{name}/{alias}", linked.Endpoint.IPAddress, child));
            }
        }

        // One default route: through the first network that has a way out.
        string? routed = wanted.FirstOrDefault(n => !n.Internal)?.Id;
        // On a DHCP network the lease's resolvers serve a container that names none and whose network names none.
        bool leaseResolvers = primary.Dhcp && hostConfig.Dns is not { Count: > 0 } && primary.Dns.Count == 0;
        var nics = endpoints.Select(e => new NicSpec
        {
            NetworkId = e.NetworkId,
            Mac = e.MacAddress,
            Address = e.Dhcp ? "" : $"{e.IPAddress}/{e.PrefixLength}",
            Gateway = e.NetworkId == routed && !e.Dhcp ? e.Gateway : "",
            Dhcp = e.Dhcp,
            DhcpRoute = e.Dhcp && e.NetworkId == routed,
            DhcpResolvers = e.Dhcp && e.NetworkId == primary.Id && leaseResolvers,
            Aliases = [name, .. e.Aliases.Where(a => a != name && a != hostname)],
        }).ToList();

        // The VCH answers DNS on the gateway of each of its networks; the primary network's is the container's
        // resolver. A container network's gateway is not the VCH: its own resolvers are used there.
        var dns = new DnsConfig
        {
            Nameservers = hostConfig.Dns is { Count: > 0 } servers ? servers
                : leaseResolvers ? []
                : primary.IsExternal ? networks.ResolversOf(primary)
                : [endpoints[0].Gateway],
            Search = hostConfig.DnsSearch ?? [],
            Options = hostConfig.DnsOptions ?? [],
        };
        foreach (var server in dns.Nameservers)
            Ipv4Subnet.ParseAddress(server, "DNS server address");
        string gatewayForHost = endpoints[0].Gateway;
        if (gatewayForHost.Length == 0 && extraHosts.Any(h => h.Address == "host-gateway"))
            throw new InvalidArgumentException($"host-gateway is not known on network {primary.Name}: its addresses come from DHCP");
        extraHosts = extraHosts.Select(h => h.Address == "host-gateway" ? h with { Address = gatewayForHost } : h).ToList();
        return new NetworkAttachment(endpoints, nics, dns, extraHosts, linkEnv);
    }

    private sealed record EndpointRequest(List<string> Aliases, string? Address, List<string> Links, List<string> LinkLocalIPs,
        Dictionary<string, string> DriverOpts, string? MacAddress);

    /// <summary>--link "name:alias" (or "name"); names may carry the leading '/' the API uses.</summary>
    internal static (string Target, string Alias) ParseLink(string link)
    {
        string[] parts = link.Split(':');
        string target = parts[0].TrimStart('/');
        if (parts.Length > 2 || target.Length == 0 || (parts.Length == 2 && parts[1].TrimStart('/').Length == 0))
            throw new InvalidArgumentException($"invalid link format \"{link}\": expected name:alias");
        // The API form of a legacy link is "/target:/container/alias": the alias is the last path segment.
        string alias = parts.Length == 2 ? parts[1][(parts[1].LastIndexOf('/') + 1)..] : target;
        return (target, alias);
    }

    /// <summary>NetworkingConfig.EndpointsConfig: per network, Aliases, Links, DriverOpts, MacAddress and IPAMConfig (IPv4Address, LinkLocalIPs).</summary>
    private static Dictionary<string, EndpointRequest> EndpointRequests(JsonElement? networkingConfig)
    {
        var result = new Dictionary<string, EndpointRequest>(StringComparer.Ordinal);
        if (networkingConfig is not { ValueKind: JsonValueKind.Object } config
            || !config.TryGetProperty("EndpointsConfig", out var endpoints) || endpoints.ValueKind != JsonValueKind.Object)
            return result;
        foreach (var entry in endpoints.EnumerateObject())
        {
            string? address = null;
            List<string> linkLocal = [];
            var value = entry.Value;
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("IPAMConfig", out var ipam) && ipam.ValueKind == JsonValueKind.Object)
            {
                if (ipam.TryGetProperty("IPv4Address", out var ip) && ip.ValueKind == JsonValueKind.String)
                    address = ip.GetString();
                linkLocal = Strings(ipam, "LinkLocalIPs");
            }
            var driverOpts = new Dictionary<string, string>(StringComparer.Ordinal);
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("DriverOpts", out var opts) && opts.ValueKind == JsonValueKind.Object)
            {
                foreach (var opt in opts.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.String))
                    driverOpts[opt.Name] = opt.Value.GetString()!;
            }
            string? mac = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("MacAddress", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString() : null;
            result[entry.Name] = new EndpointRequest(Strings(value, "Aliases"), address, Strings(value, "Links"), linkLocal, driverOpts, mac);
        }
        return result;
    }

    private static List<string> Strings(JsonElement owner, string property) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String ? a.GetString() : null).OfType<string>().ToList()
            : [];

    /// <summary>--add-host name:ip (or name=ip); "host-gateway" stands for the VCH's address on the container's network.</summary>
    private static List<HostAlias> ExtraHosts(List<string>? entries)
    {
        var result = new List<HostAlias>();
        foreach (string entry in entries ?? [])
        {
            int split = entry.IndexOfAny([':', '=']);
            if (split <= 0 || split == entry.Length - 1)
                throw new InvalidArgumentException($"invalid extra host entry \"{entry}\": expected name:ip");
            string host = entry[..split];
            string address = entry[(split + 1)..];
            if (address != "host-gateway" && !System.Net.IPAddress.TryParse(address, out _))
                throw new InvalidArgumentException($"invalid IP address in add-host: \"{address}\"");
            result.Add(new HostAlias(address, [host]));
        }
        return result;
    }
}
