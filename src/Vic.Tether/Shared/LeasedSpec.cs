using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The spec as /etc/hosts and /etc/resolv.conf must see it once DHCP has answered: each DHCP interface with a lease
/// gets its leased address (so the host name resolves to it), and the interface whose spec says
/// <see cref="DhcpSpec.Resolvers"/> gives its lease's DNS servers (and its domain as the search list, unless the
/// container set one) to a resolv.conf that has no servers of its own.
/// </summary>
internal static class LeasedSpec
{
    /// <param name="leases">Leases by the interface's MAC (lowercase).</param>
    public static VmSpec Apply(VmSpec spec, IReadOnlyDictionary<string, DhcpLease> leases)
    {
        DhcpLease? Leased(NetworkInterfaceSpec nic) =>
            nic.Dhcp is not null && leases.TryGetValue(nic.Mac.ToLowerInvariant(), out DhcpLease? lease) ? lease : null;

        var interfaces = spec.Interfaces
            .Select(nic => Leased(nic) is DhcpLease lease ? nic with { Address = lease.Address.ToString() } : nic)
            .ToList();
        DnsSpec? dns = spec.Dns;
        NetworkInterfaceSpec? resolvers = spec.Interfaces.FirstOrDefault(n => n.Dhcp is { Resolvers: true });
        if (resolvers is not null && Leased(resolvers) is DhcpLease source && source.DnsServers.Count > 0
            && (dns is null || dns.Nameservers.Count == 0))
        {
            dns ??= new DnsSpec();
            dns = dns with
            {
                Nameservers = source.DnsServers.Select(Ipv4Cidr.Format).ToList(),
                Search = dns.Search.Count == 0 && source.DomainName.Length > 0 ? [source.DomainName] : dns.Search,
            };
        }
        return spec with { Interfaces = interfaces, Dns = dns };
    }
}
