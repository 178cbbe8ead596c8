using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The container's own lines in /etc/hosts while it runs: a network plugged live (docker network connect) adds its
/// address with the host name and the network's aliases, as dockerd adds a line per endpoint; unplugging takes that
/// line away again. Only those lines are touched: --add-host lines, links and anything written inside stay.
/// </summary>
internal sealed class LiveHosts(string hostname, string domainname, IEnumerable<NetworkInterfaceSpec> booted)
{
    /// <summary>The interfaces plugged now, by MAC (the key an unplug names).</summary>
    private readonly Dictionary<string, NetworkInterfaceSpec> _plugged =
        booted.ToDictionary(nic => nic.Mac.ToLowerInvariant(), StringComparer.Ordinal);

    /// <summary>Adds the plugged interface's line; returns why /etc/hosts could not be changed, or "".</summary>
    public string Plugged(NetworkInterfaceSpec nic)
    {
        _plugged[nic.Mac.ToLowerInvariant()] = nic;
        // A DHCP interface has no address yet: its lease rewrites the files when it comes.
        if (nic.Address.Length == 0)
        {
            return "";
        }
        string line = EtcHosts.Line(hostname, domainname, nic);
        return HostFiles.Change(hosts => EtcHosts.Add(hosts, line));
    }

    /// <summary>Removes the line of the interface that had <paramref name="mac"/>; returns why it could not, or "".</summary>
    public string Unplugged(string mac)
    {
        if (!_plugged.Remove(mac.ToLowerInvariant(), out NetworkInterfaceSpec? nic) || nic.Address.Length == 0)
        {
            return "";
        }
        string line = EtcHosts.Line(hostname, domainname, nic);
        return HostFiles.Change(hosts => EtcHosts.Remove(hosts, line));
    }
}
