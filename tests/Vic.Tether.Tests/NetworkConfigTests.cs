using Vic.Tether.Protocol;

namespace Vic.Tether.Tests;

public sealed class Ipv4CidrTests
{
    [Theory]
    [InlineData("172.17.0.2/16", 0xAC110002u, 16, 0xFFFF0000u, 0xAC110000u)]
    [InlineData("10.0.0.1/8", 0x0A000001u, 8, 0xFF000000u, 0x0A000000u)]
    [InlineData("192.168.1.77/27", 0xC0A8014Du, 27, 0xFFFFFFE0u, 0xC0A80140u)]
    [InlineData("10.1.2.3/32", 0x0A010203u, 32, 0xFFFFFFFFu, 0x0A010203u)]
    [InlineData("0.0.0.0/0", 0u, 0, 0u, 0u)]
    public void ParsesAddressPrefixAndComputesNetmask(string text, uint address, int prefix, uint netmask, uint network)
    {
        Ipv4Cidr cidr = Ipv4Cidr.Parse(text, out string? error)!.Value;
        Assert.Null(error);
        Assert.Equal((address, prefix, netmask, network), (cidr.Address, cidr.PrefixLength, cidr.Netmask, cidr.Network));
        Assert.Equal(text, cidr.ToString());
    }

    [Theory]
    [InlineData("172.17.0.2", "\"172.17.0.2\" has no prefix length (expected a.b.c.d/len)")]
    [InlineData("172.17.0/16", "\"172.17.0/16\" is not an IPv4 address with a prefix length (expected a.b.c.d/len)")]
    [InlineData("172.17.0.256/16", "\"172.17.0.256/16\" is not an IPv4 address with a prefix length (expected a.b.c.d/len)")]
    [InlineData("172.017.0.2/16", "\"172.017.0.2/16\" is not an IPv4 address with a prefix length (expected a.b.c.d/len)")]
    [InlineData("fd00::2/64", "\"fd00::2/64\" is not an IPv4 address with a prefix length (expected a.b.c.d/len)")]
    [InlineData("172.17.0.2/33", "\"172.17.0.2/33\" has an invalid prefix length (expected 0 to 32)")]
    [InlineData("172.17.0.2/", "\"172.17.0.2/\" has an invalid prefix length (expected 0 to 32)")]
    [InlineData("172.17.0.2/+8", "\"172.17.0.2/+8\" has an invalid prefix length (expected 0 to 32)")]
    public void RejectsWhatIsNotAnIpv4Cidr(string text, string message)
    {
        Assert.Null(Ipv4Cidr.Parse(text, out string? error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void ContainsOnlyAddressesOfItsSubnet()
    {
        Ipv4Cidr cidr = Ipv4Cidr.Parse("172.17.0.2/16", out _)!.Value;
        Assert.True(cidr.Contains(Ipv4Cidr.ParseAddress("172.17.255.1")!.Value));
        Assert.False(cidr.Contains(Ipv4Cidr.ParseAddress("172.18.0.1")!.Value));
        Assert.Equal("255.255.240.0", Ipv4Cidr.Format(Ipv4Cidr.Parse("10.0.0.1/20", out _)!.Value.Netmask));
    }
}

public sealed class NetworkPlanTests
{
    private static NetworkInterfaceSpec Nic(string name = "eth0", string mac = "02:42:AC:11:00:02", string address = "172.17.0.2/16", string gateway = "", int mtu = 0) =>
        new() { Name = name, Mac = mac, Address = address, Gateway = gateway, Mtu = mtu };

    [Fact]
    public void MacTextBecomesTheSixBytesSiocsifhwaddrTakes()
    {
        Assert.True(NetworkPlan.TryParseMac("02:56:AB:cd:00:ff", out byte[] bytes));
        Assert.Equal(new byte[] { 0x02, 0x56, 0xab, 0xcd, 0x00, 0xff }, bytes);
        Assert.False(NetworkPlan.TryParseMac("02:56:ab:cd:00", out _));
        Assert.False(NetworkPlan.TryParseMac("02:56:ab:cd:00:zz", out _));
    }

    [Fact]
    public void ValidInterfacesArePlannedWithLowerCaseMacsAndParsedAddresses()
    {
        IReadOnlyList<InterfacePlan>? plans = NetworkPlan.Build([Nic(gateway: "172.17.0.1", mtu: 1400), Nic("eth1", "02:42:ac:12:00:02", "10.5.0.9/24")], out string? error);
        Assert.Null(error);
        Assert.Equal(2, plans!.Count);
        Assert.Equal(new InterfacePlan("02:42:ac:11:00:02", "eth0", new Ipv4Cidr(0xAC110002, 16), 0xAC110001, 1400), plans[0]);
        Assert.Equal(new InterfacePlan("02:42:ac:12:00:02", "eth1", new Ipv4Cidr(0x0A050009, 24), null, 0), plans[1]);
        Assert.Empty(NetworkPlan.Build([], out _)!);
    }

    public static TheoryData<NetworkInterfaceSpec[], string> Invalid => new()
    {
        { [Nic(name: "")], "network interface name \"\" is not valid (1 to 15 printable ASCII characters, no '/' or ':', not \"lo\")" },
        { [Nic(name: "a-very-long-name0")], "network interface name \"a-very-long-name0\" is not valid (1 to 15 printable ASCII characters, no '/' or ':', not \"lo\")" },
        { [Nic(name: "eth:0")], "network interface name \"eth:0\" is not valid (1 to 15 printable ASCII characters, no '/' or ':', not \"lo\")" },
        { [Nic(name: "lo")], "network interface name \"lo\" is not valid (1 to 15 printable ASCII characters, no '/' or ':', not \"lo\")" },
        { [Nic(name: "eth 0")], "network interface name \"eth 0\" is not valid (1 to 15 printable ASCII characters, no '/' or ':', not \"lo\")" },
        { [Nic(mac: "02:42:ac:11:00")], "network interface eth0: \"02:42:ac:11:00\" is not a MAC address (expected six hex pairs separated by ':')" },
        { [Nic(mac: "02-42-ac-11-00-02")], "network interface eth0: \"02-42-ac-11-00-02\" is not a MAC address (expected six hex pairs separated by ':')" },
        { [Nic(address: "172.17.0.2")], "network interface eth0: address \"172.17.0.2\" has no prefix length (expected a.b.c.d/len)" },
        { [Nic(gateway: "gw")], "network interface eth0: gateway \"gw\" is not an IPv4 address" },
        { [Nic(gateway: "172.18.0.1")], "network interface eth0: gateway 172.18.0.1 is not another address on the interface's subnet 172.17.0.0/16" },
        { [Nic(gateway: "172.17.0.2")], "network interface eth0: gateway 172.17.0.2 is not another address on the interface's subnet 172.17.0.0/16" },
        { [Nic(mtu: 67)], "network interface eth0: MTU 67 is out of range (68 to 65535, or 0 for the default)" },
        { [Nic(mtu: 65536)], "network interface eth0: MTU 65536 is out of range (68 to 65535, or 0 for the default)" },
        { [Nic(), Nic(mac: "02:42:ac:11:00:03")], "network interface eth0: the name is given to more than one interface" },
        { [Nic(), Nic("eth1", address: "10.0.0.2/8")], "network interface eth1: MAC 02:42:ac:11:00:02 is also given to eth0" },
        { [Nic(gateway: "172.17.0.1"), Nic("eth1", "02:42:ac:11:00:03", "10.0.0.2/8", "10.0.0.1")], "network interface eth1: only one interface may have a gateway (the default route is already via eth0)" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void BadSpecsFailBeforeAnythingIsTouchedWithAMessageNamingTheInterface(NetworkInterfaceSpec[] interfaces, string message)
    {
        Assert.Null(NetworkPlan.Build(interfaces, out string? error));
        Assert.Equal(message, error);
    }
}

public sealed class EtcHostsTests
{
    private const string Defaults =
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

    private static NetworkInterfaceSpec Nic(string address, params string[] aliases) =>
        new() { Name = "eth0", Mac = "02:42:ac:11:00:02", Address = address, Aliases = aliases };

    [Fact]
    public void NoNetworkGivesOnlyTheLocalhostLines() =>
        Assert.Equal(Defaults, EtcHosts.Render("abc123", "", [], []));

    [Fact]
    public void EveryInterfaceCarriesTheHostnameAndThatNetworksAliases()
    {
        // dockerd adds the host name against each endpoint's address, one line per network.
        string hosts = EtcHosts.Render("abc123", "",
            [Nic("172.17.0.2/16", "web", "abc123", "web"), Nic("10.0.0.5/24", "db-client"), Nic("10.1.0.5/24")],
            [new HostEntry("192.168.0.9", ["registry", "registry.local"]), new HostEntry("::2", ["v6host"])]);
        Assert.Equal(Defaults +
            "172.17.0.2\tabc123 web\n" +
            "10.0.0.5\tabc123 db-client\n" +
            "10.1.0.5\tabc123\n" +
            "192.168.0.9\tregistry registry.local\n" +
            "::2\tv6host\n", hosts);
    }

    [Fact]
    public void A_live_connect_appends_its_line_and_the_disconnect_removes_only_that_line()
    {
        string booted = EtcHosts.Render("abc123", "example.com", [Nic("172.17.0.2/16", "web")], [new HostEntry("10.0.0.5", ["extra"])]);
        string line = EtcHosts.Line("abc123", "example.com", Nic("10.0.0.5/24", "web", "api"));
        Assert.Equal("10.0.0.5\tabc123.example.com abc123 web api\n", line);

        string connected = EtcHosts.Add(booted + "# written inside\n", line);
        Assert.Equal(booted + "# written inside\n" + line, connected);
        Assert.Equal(connected, EtcHosts.Add(connected, line)); // once

        // The --add-host line for the same address and what was written inside stay.
        Assert.Equal(booted + "# written inside\n", EtcHosts.Remove(connected, line));
        Assert.Equal(booted, EtcHosts.Remove(booted, line));
        // A file without a last line end still gets whole lines.
        Assert.Equal("a\tb\n" + line, EtcHosts.Add("a\tb", line));
    }

    [Theory]
    [InlineData("web", "example.com", "web.example.com web")]
    [InlineData("web.example.com", "", "web.example.com web")]
    [InlineData("web", "", "web")]
    public void HostnameWithADomainIsWrittenFullyQualifiedThenShort(string hostname, string domainname, string names) =>
        Assert.EndsWith($"172.17.0.2\t{names}\n", EtcHosts.Render(hostname, domainname, [Nic("172.17.0.2/16")], []));
}

public sealed class ResolvConfTests
{
    [Fact]
    public void SearchThenNameserversThenOptions() =>
        Assert.Equal("search example.com corp.example\nnameserver 172.17.0.1\nnameserver 10.0.0.2\noptions ndots:2 timeout:1\n",
            ResolvConf.Render(new DnsSpec { Nameservers = ["172.17.0.1", "10.0.0.2"], Search = ["example.com", "corp.example"], Options = ["ndots:2", "timeout:1"] }));

    [Fact]
    public void EmptyListsAndTheDotSearchWriteNoLine()
    {
        Assert.Equal("nameserver 1.1.1.1\n", ResolvConf.Render(new DnsSpec { Nameservers = ["1.1.1.1"], Search = ["."] }));
        Assert.Equal("", ResolvConf.Render(new DnsSpec()));
    }
}
