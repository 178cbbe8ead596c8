using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The container's own lines in /etc/hosts while it runs: a network plugged live (docker network connect) adds its
/// address with the host name and the network's aliases, as dockerd adds a line per endpoint; unplugging takes that
/// line away again; a DHCP lease that gives an interface its address (at boot, after a live connect, or a new one on
/// renewal) writes or replaces that interface's line alone. Only those lines are touched: --add-host lines, links,
/// other interfaces' lines and anything written inside stay. Called from the control port and from the DHCP clients'
/// threads, one change at a time.
/// </summary>
/// <param name="change">Applies an edit to /etc/hosts and returns why it could not, or "" (<see cref="HostFiles"/>'s
/// Change in the tether).</param>
internal sealed class LiveHosts(string hostname, string domainname, IEnumerable<NetworkInterfaceSpec> booted, Func<Func<string, string>, string> change)
{
    private readonly Lock _gate = new();

    /// <summary>The interfaces plugged now, by MAC (the key an unplug names), each with the address its line has ("" for
    /// none yet: a DHCP interface without a lease).</summary>
    private readonly Dictionary<string, NetworkInterfaceSpec> _plugged =
        booted.ToDictionary(nic => nic.Mac.ToLowerInvariant(), StringComparer.Ordinal);

    /// <summary>Adds the plugged interface's line; returns why /etc/hosts could not be changed, or "".</summary>
    public string Plugged(NetworkInterfaceSpec nic)
    {
        lock (_gate)
        {
            _plugged[nic.Mac.ToLowerInvariant()] = nic;
            // A DHCP interface has no address yet: its line comes with its lease (Leased).
            return nic.Address.Length == 0 ? "" : change(hosts => EtcHosts.Add(hosts, EtcHosts.Line(hostname, domainname, nic)));
        }
    }

    /// <summary>Removes the line of the interface that had <paramref name="mac"/>; returns why it could not, or "".</summary>
    public string Unplugged(string mac)
    {
        lock (_gate)
        {
            if (!_plugged.Remove(mac.ToLowerInvariant(), out NetworkInterfaceSpec? nic) || nic.Address.Length == 0)
            {
                return "";
            }
            return change(hosts => EtcHosts.Remove(hosts, EtcHosts.Line(hostname, domainname, nic)));
        }
    }

    /// <summary>
    /// The interface with <paramref name="mac"/> now has <paramref name="address"/> ("a.b.c.d/len"; "" when its lease
    /// was lost): its line is replaced where it stands, or added, or removed. Nothing happens for an interface no longer
    /// plugged or whose address did not change. Returns why /etc/hosts could not be changed, or "".
    /// </summary>
    public string Leased(string mac, string address)
    {
        lock (_gate)
        {
            string key = mac.ToLowerInvariant();
            if (!_plugged.TryGetValue(key, out NetworkInterfaceSpec? before) || before.Address == address)
            {
                return "";
            }
            NetworkInterfaceSpec after = before with { Address = address };
            _plugged[key] = after;
            string? oldLine = before.Address.Length > 0 ? EtcHosts.Line(hostname, domainname, before) : null;
            string? newLine = address.Length > 0 ? EtcHosts.Line(hostname, domainname, after) : null;
            return change(hosts => EtcHosts.Replace(hosts, oldLine, newLine));
        }
    }
}
