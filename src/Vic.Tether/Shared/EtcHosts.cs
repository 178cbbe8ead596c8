using System.Text;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The container's /etc/hosts, laid out as dockerd lays it out: tab between address and names, the localhost
/// and IPv6 lines first, then the container's own address with its host name.
/// </summary>
internal static class EtcHosts
{
    /// <summary>dockerd's fixed lines (IPv4 and IPv6 loopback and the IPv6 well-known multicast names).</summary>
    public const string Defaults =
        "127.0.0.1\tlocalhost\n" +
        "::1\tlocalhost ip6-localhost ip6-loopback\n" +
        "fe00::0\tip6-localnet\n" +
        "ff00::0\tip6-mcastprefix\n" +
        "ff02::1\tip6-allnodes\n" +
        "ff02::2\tip6-allrouters\n";

    /// <summary>
    /// Defaults, then one line per interface (the host name, as "fqdn short" when there is a domain, only on the
    /// first interface, as dockerd puts it only on the endpoint the container joined first; then that network's
    /// aliases), then <paramref name="extraHosts"/> in order. An interface with no names gets no line; a container
    /// without interfaces (--network none) has no line of its own, as with dockerd.
    /// </summary>
    public static string Render(string hostname, string domainname, IReadOnlyList<NetworkInterfaceSpec> interfaces, IReadOnlyList<HostEntry> extraHosts)
    {
        var text = new StringBuilder(Defaults);
        for (int i = 0; i < interfaces.Count; i++)
        {
            NetworkInterfaceSpec nic = interfaces[i];
            var names = new List<string>();
            if (i == 0)
            {
                names.AddRange(HostNames(hostname, domainname));
            }
            foreach (string alias in nic.Aliases)
            {
                if (alias.Length > 0 && !names.Contains(alias, StringComparer.Ordinal))
                {
                    names.Add(alias);
                }
            }
            // A DHCP interface without a lease yet has no address to give its names.
            if (names.Count > 0 && nic.Address.Length > 0)
            {
                string address = nic.Address.Split('/')[0];
                text.Append(address).Append('\t').AppendJoin(' ', names).Append('\n');
            }
        }
        foreach (HostEntry entry in extraHosts)
        {
            text.Append(entry.Address).Append('\t').AppendJoin(' ', entry.Names).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>"name" or, with a domain (given apart or inside the host name), "name.domain name".</summary>
    public static IReadOnlyList<string> HostNames(string hostname, string domainname)
    {
        string fqdn = domainname.Length > 0 ? $"{hostname}.{domainname}" : hostname;
        int dot = fqdn.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? [fqdn, fqdn[..dot]] : [fqdn];
    }
}
