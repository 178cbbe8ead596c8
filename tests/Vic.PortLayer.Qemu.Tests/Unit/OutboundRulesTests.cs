using Vic.PortLayer.Qemu.Network;

namespace Vic.PortLayer.Qemu.Tests.Unit;

public sealed class OutboundRulesTests
{
    private const string Open = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void Tcp_from_natted_bridges_goes_to_the_proxy_except_to_the_namespace_itself_and_the_vchs_networks()
    {
        string rules = NamespaceFabric.OutboundRules(new OutboundRoutes(41000, [Open], ["172.16.0.0/16", "10.41.0.0/24"]));
        string[] lines = rules.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("*nat", lines[0]);
        Assert.Equal("COMMIT", lines[^1]);
        // Order matters: every exception returns before the redirect is reached.
        int local = Array.IndexOf(lines, "-A VIC-OUTBOUND -m addrtype --dst-type LOCAL -j RETURN");
        int inside = Array.IndexOf(lines, "-A VIC-OUTBOUND -d 10.41.0.0/24 -j RETURN");
        int redirect = Array.IndexOf(lines, "-A VIC-OUTBOUND -i br-0123456789ab -p tcp -j REDIRECT --to-ports 41000");
        Assert.True(local > 0 && inside > local && redirect > inside, rules);
        Assert.Contains("-A PREROUTING -p tcp -j VIC-OUTBOUND", lines);
        Assert.Contains("-A VIC-OUTBOUND -d 172.16.0.0/16 -j RETURN", lines);
    }

    [Fact]
    public void No_natted_network_leaves_an_empty_nat_table()
    {
        string rules = NamespaceFabric.OutboundRules(new OutboundRoutes(41000, [], ["172.16.0.0/16"]));
        Assert.DoesNotContain("REDIRECT", rules);
        Assert.DoesNotContain("VIC-OUTBOUND", rules);
        Assert.StartsWith("*nat\n", rules);
        Assert.EndsWith("COMMIT\n", rules);
    }

    [Fact]
    public void Udp_and_echo_requests_to_outside_unicast_addresses_go_to_the_relays_and_nothing_inside_does()
    {
        var routes = new OutboundRoutes(41000, [Open], ["172.16.0.0/16", "10.41.0.0/24"]) { UdpRelayPort = 42000, IcmpEcho = true };
        string rules = NamespaceFabric.OutboundRules(routes);
        string[] lines = rules.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int mangle = Array.IndexOf(lines, "*mangle");
        Assert.True(mangle > Array.IndexOf(lines, "*nat"), rules);
        Assert.Equal("COMMIT", lines[^1]);
        Assert.Contains("-A PREROUTING -p udp -j VIC-RELAY", lines);
        Assert.Contains("-A PREROUTING -p icmp --icmp-type echo-request -j VIC-RELAY", lines);
        int broadcast = Array.IndexOf(lines, "-A VIC-RELAY -m addrtype ! --dst-type UNICAST -j RETURN");
        int inside = Array.IndexOf(lines, "-A VIC-RELAY -d 10.41.0.0/24 -j RETURN");
        int udp = Array.IndexOf(lines, "-A VIC-RELAY -i br-0123456789ab -p udp -j TPROXY --on-port 42000 --on-ip 0.0.0.0 --tproxy-mark 0x1/0x1");
        int icmp = Array.IndexOf(lines, "-A VIC-RELAY -i br-0123456789ab -p icmp -j MARK --set-xmark 0x1/0x1");
        Assert.True(broadcast > mangle && inside > broadcast && udp > inside && icmp > inside, rules);
        Assert.Equal(NamespaceFabric.RelayMark, "0x1/0x1");
    }

    [Fact]
    public void Without_relays_the_mangle_table_is_emptied_and_the_fallback_leaves_it_out()
    {
        string tcpOnly = NamespaceFabric.OutboundRules(new OutboundRoutes(41000, [Open], ["172.16.0.0/16"]));
        Assert.Contains("*mangle\n", tcpOnly);
        Assert.DoesNotContain("VIC-RELAY", tcpOnly);
        Assert.DoesNotContain("TPROXY", tcpOnly);

        var routes = new OutboundRoutes(41000, [Open], ["172.16.0.0/16"]) { UdpRelayPort = 42000, IcmpEcho = true };
        string fallback = NamespaceFabric.OutboundRules(routes, withMangle: false);
        Assert.DoesNotContain("*mangle", fallback);
        Assert.Contains("REDIRECT --to-ports 41000", fallback);

        // Only ping relayed: no UDP rule.
        string pingOnly = NamespaceFabric.OutboundRules(new OutboundRoutes(41000, [Open], ["172.16.0.0/16"]) { IcmpEcho = true });
        Assert.DoesNotContain("-p udp", pingOnly);
        Assert.Contains("-j MARK --set-xmark 0x1/0x1", pingOnly);
    }
}
