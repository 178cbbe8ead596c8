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
}
