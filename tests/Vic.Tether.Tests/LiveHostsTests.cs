using Vic.Tether.Protocol;

namespace Vic.Tether.Tests;

/// <summary>The running container's /etc/hosts under network connects, disconnects and DHCP leases, edited in memory.</summary>
public sealed class LiveHostsTests
{
    private string _hosts = "";

    private string Change(Func<string, string> edit)
    {
        _hosts = edit(_hosts);
        return "";
    }

    private static NetworkInterfaceSpec Nic(string mac, string address, params string[] aliases) =>
        new() { Mac = mac, Name = "eth0", Address = address, Aliases = aliases };

    private static NetworkInterfaceSpec DhcpNic(string mac) =>
        new() { Mac = mac, Name = "eth1", Address = "", Dhcp = new DhcpSpec() };

    [Fact]
    public void A_new_lease_replaces_only_its_own_line_and_keeps_a_line_a_live_connect_added()
    {
        var dhcp = DhcpNic("02:42:00:00:00:01") with { Address = "10.0.0.5/24" };
        var booted = new[] { dhcp };
        _hosts = EtcHosts.Render("web", "", booted, [new HostEntry("10.9.9.9", ["extra"])]);
        var hosts = new LiveHosts("web", "", booted, Change);
        Assert.Equal("", hosts.Plugged(Nic("02:42:AC:11:00:02", "172.17.0.2/16", "api")));

        // Renewal with another address: the DHCP interface's line changes where it stands; the others stay.
        Assert.Equal("", hosts.Leased("02:42:00:00:00:01", "10.0.0.77/24"));
        string[] lines = _hosts.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("10.0.0.77\tweb", lines);
        Assert.DoesNotContain("10.0.0.5\tweb", lines);
        Assert.Contains("172.17.0.2\tweb api", lines);
        Assert.Contains("10.9.9.9\textra", lines);
        Assert.True(Array.IndexOf(lines, "10.0.0.77\tweb") < Array.IndexOf(lines, "10.9.9.9\textra"), _hosts);

        // The same lease again (a renewal without change) writes nothing.
        string before = _hosts;
        Assert.Equal("", hosts.Leased("02:42:00:00:00:01", "10.0.0.77/24"));
        Assert.Same(before, _hosts);
    }

    [Fact]
    public void A_dhcp_interface_connected_live_gets_its_line_when_its_lease_comes_and_loses_it_on_disconnect()
    {
        _hosts = EtcHosts.Render("db", "lan", [], []);
        var hosts = new LiveHosts("db", "lan", [], Change);
        Assert.Equal("", hosts.Plugged(DhcpNic("02:42:00:00:00:09") with { Aliases = ["store"] }));
        Assert.DoesNotContain("db.lan", _hosts);

        hosts.Leased("02:42:00:00:00:09", "192.168.5.20/24");
        Assert.Contains("192.168.5.20\tdb.lan db store\n", _hosts);

        hosts.Unplugged("02:42:00:00:00:09");
        Assert.DoesNotContain("192.168.5.20", _hosts);
        // A lease reported after the disconnect (its client was still stopping) adds nothing back.
        hosts.Leased("02:42:00:00:00:09", "192.168.5.21/24");
        Assert.DoesNotContain("192.168.5.21", _hosts);
        Assert.StartsWith(EtcHosts.Defaults, _hosts);
    }

    [Fact]
    public void Replace_adds_when_the_old_line_was_edited_away_and_never_duplicates()
    {
        Assert.Equal("a\nnew\n", EtcHosts.Replace("a\n", "old\n", "new\n"));
        Assert.Equal("a\nnew\nb\n", EtcHosts.Replace("a\nold\nb\n", "old\n", "new\n"));
        Assert.Equal("a\nnew\n", EtcHosts.Replace("a\nold\nnew\n", "old\n", "new\n"));
        Assert.Equal("a\n", EtcHosts.Replace("a\nold\n", "old\n", null));
        Assert.Equal("a\nnew\n", EtcHosts.Replace("a\n", null, "new\n"));
    }
}
