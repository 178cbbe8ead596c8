using System.Text;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The container's /etc/hosts, laid out as dockerd lays it out: tab between address and names, the localhost
/// and IPv6 lines first, then the container's own addresses with its host name.
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
    /// Defaults, then one line per interface (<see cref="Line"/>), then <paramref name="extraHosts"/> in order. A
    /// container without interfaces (--network none) has no line of its own, as with dockerd.
    /// </summary>
    public static string Render(string hostname, string domainname, IReadOnlyList<NetworkInterfaceSpec> interfaces, IReadOnlyList<HostEntry> extraHosts)
    {
        var text = new StringBuilder(Defaults);
        foreach (NetworkInterfaceSpec nic in interfaces)
        {
            // A DHCP interface without a lease yet has no address to give its names.
            if (nic.Address.Length > 0)
            {
                text.Append(Line(hostname, domainname, nic));
            }
        }
        foreach (HostEntry entry in extraHosts)
        {
            text.Append(entry.Address).Append('\t').AppendJoin(' ', entry.Names).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// An interface's line: its address, the host name (as "fqdn short" when there is a domain) and that network's
    /// aliases. dockerd adds the host name against every address the container gets, one line per endpoint, also when
    /// a running container joins a network; the same line is what a disconnect takes away.
    /// </summary>
    public static string Line(string hostname, string domainname, NetworkInterfaceSpec nic)
    {
        var names = new List<string>(HostNames(hostname, domainname));
        foreach (string alias in nic.Aliases)
        {
            if (alias.Length > 0 && !names.Contains(alias, StringComparer.Ordinal))
            {
                names.Add(alias);
            }
        }
        return nic.Address.Split('/')[0] + "\t" + string.Join(' ', names) + "\n";
    }

    /// <summary><paramref name="hosts"/> with <paramref name="line"/> added at the end (once).</summary>
    public static string Add(string hosts, string line)
    {
        if (hosts.Split('\n').Contains(line.TrimEnd('\n')))
        {
            return hosts;
        }
        return (hosts.Length == 0 || hosts.EndsWith('\n') ? hosts : hosts + "\n") + line;
    }

    /// <summary><paramref name="hosts"/> without <paramref name="line"/>: other lines for the same address (an
    /// --add-host, a line the user wrote) stay.</summary>
    public static string Remove(string hosts, string line)
    {
        string wanted = line.TrimEnd('\n');
        var lines = hosts.Split('\n').ToList();
        int index = lines.IndexOf(wanted);
        if (index < 0)
        {
            return hosts;
        }
        lines.RemoveAt(index);
        return string.Join('\n', lines);
    }

    /// <summary>
    /// <paramref name="hosts"/> with <paramref name="oldLine"/> replaced by <paramref name="newLine"/> where it stands
    /// (an interface's new address); when the old line is not there (null, or edited away inside) the new one is added
    /// at the end; a null new line removes the old one. Every other line stays as it is.
    /// </summary>
    public static string Replace(string hosts, string? oldLine, string? newLine)
    {
        if (oldLine is null)
        {
            return newLine is null ? hosts : Add(hosts, newLine);
        }
        if (newLine is null)
        {
            return Remove(hosts, oldLine);
        }
        var lines = hosts.Split('\n').ToList();
        int index = lines.IndexOf(oldLine.TrimEnd('\n'));
        if (lines.Contains(newLine.TrimEnd('\n')))
        {
            return index < 0 ? hosts : Remove(hosts, oldLine);
        }
        if (index < 0)
        {
            return Add(hosts, newLine);
        }
        lines[index] = newLine.TrimEnd('\n');
        return string.Join('\n', lines);
    }

    /// <summary>"name" or, with a domain (given apart or inside the host name), "name.domain name".</summary>
    public static IReadOnlyList<string> HostNames(string hostname, string domainname)
    {
        string fqdn = domainname.Length > 0 ? $"{hostname}.{domainname}" : hostname;
        int dot = fqdn.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? [fqdn, fqdn[..dot]] : [fqdn];
    }
}
