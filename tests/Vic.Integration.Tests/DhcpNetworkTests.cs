namespace Vic.Integration.Tests;

/// <summary>
/// A container network without gateway or range (vic-machine create --container-network &lt;bridge&gt;:lan alone) is a
/// DHCP network: the containerVM's tether asks the DHCP server on the bridge for its address. The server is Debian's
/// dnsmasq, serving DHCP only (--port=0) on a bridge inside a network namespace this fixture makes.
/// </summary>
public sealed class DhcpNetworkTests(DhcpNetworkVch fixture) : IClassFixture<DhcpNetworkVch>
{
    private VchFixture Vch => fixture.Vch;

    [Fact]
    public async Task A_container_on_a_dhcp_network_gets_a_lease_shows_it_is_reached_on_it_and_releases_it_when_stopped()
    {
        Assert.Equal("dhcp 0", await Vch.OkAsync("network", "inspect", "-f", "{{.IPAM.Driver}} {{len .IPAM.Config}}", "lan"));

        string web = "web-" + Guid.NewGuid().ToString("N")[..6];
        await Vch.OkAsync("run", "-d", "--name", web, "--network", "lan", "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc");
        try
        {
            string id = await Vch.OkAsync("inspect", "-f", "{{.Id}}", web);
            string address = await LeasedAddressAsync(web);
            string mac = await Vch.OkAsync("inspect", "-f", "{{.NetworkSettings.Networks.lan.MacAddress}}", web);
            Assert.Equal("24 10.236.0.1", await Vch.OkAsync("inspect", "-f", "{{.NetworkSettings.Networks.lan.IPPrefixLen}} {{.NetworkSettings.Networks.lan.Gateway}}", web));
            Assert.Contains($"{address}/24", await Vch.OkAsync("network", "inspect", "-f", "{{range .Containers}}{{.IPv4Address}} {{end}}", "lan"));
            Assert.True((await fixture.LeasesAsync()).Contains($" {mac} {address} ", StringComparison.Ordinal), fixture.Log);

            // The guest has the lease's address, default route and resolvers (the container named none of its own).
            string guest = await Vch.OkAsync("exec", web, "sh", "-c", "ip -4 -o addr show eth0; ip route; cat /etc/resolv.conf; cat /etc/hosts");
            Assert.Contains($"inet {address}/24", guest);
            Assert.Contains("default via 10.236.0.1 dev eth0", guest);
            Assert.Contains("nameserver 10.236.0.53", guest);
            Assert.Contains("search dhcp.test", guest);
            Assert.Contains($"{address}\t{id[..12]}", guest);

            // The network's other host reaches the container on its leased address, with no NAT and no -p.
            await fixture.ReachesAsync(address, id);

            await Vch.OkAsync("stop", web);
            Assert.Equal("", await Vch.OkAsync("inspect", "-f", "{{.NetworkSettings.Networks.lan.IPAddress}}", web));
            // DHCPRELEASE at power-off: dnsmasq drops the lease.
            await Eventually.ThatAsync(async () => !(await fixture.LeasesAsync()).Contains($" {address} ", StringComparison.Ordinal),
                "dnsmasq has dropped the released lease", TimeSpan.FromSeconds(30));

            // Started again, the same MAC (and so the same client identifier) gets an address again and is reachable there.
            await Vch.OkAsync("start", web);
            string again = await LeasedAddressAsync(web);
            Assert.Equal(mac, await Vch.OkAsync("inspect", "-f", "{{.NetworkSettings.Networks.lan.MacAddress}}", web));
            await fixture.ReachesAsync(again, id);
        }
        finally
        {
            await Vch.DockerAsync("rm", "-f", web);
        }
    }

    [Fact]
    public async Task A_fixed_address_is_refused_on_a_dhcp_network_and_the_container_s_own_dns_wins()
    {
        var fixedIp = await Vch.DockerAsync("run", "--rm", "--network", "lan", "--ip", "10.236.0.77", "busybox", "true");
        Assert.NotEqual(0, fixedIp.ExitCode);
        Assert.Contains("user specified IP address is not supported on network lan: its addresses come from DHCP", fixedIp.Stderr);

        string resolv = await Vch.OkAsync("run", "--rm", "--network", "lan", "--dns", "10.236.0.99", "busybox", "sh", "-c", "ip -4 -o addr show eth0; cat /etc/resolv.conf");
        Assert.Matches(@"inet 10\.236\.0\.5\d/24", resolv);
        Assert.Contains("nameserver 10.236.0.99", resolv);
        // The network's DNS server (10.236.0.53, which is also in dnsmasq's range, so the container may hold it) is not used.
        Assert.DoesNotContain("nameserver 10.236.0.53", resolv);
    }

    [Fact]
    public async Task A_live_connect_to_the_dhcp_network_puts_the_leased_address_in_etc_hosts_and_keeps_the_other_lines()
    {
        string name = "dhcplive-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await Vch.OkAsync("run", "-d", "--name", name, "--hostname", "livehost", "--add-host", "extra.test:10.9.9.9", "busybox", "sleep", "600");
            string bridgeAddress = (await Vch.OkAsync("inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", name)).Trim();
            await Vch.OkAsync("network", "connect", "lan", name);
            string leased = await LeasedAddressAsync(name);
            // The line comes with the lease, after the connect was answered.
            string hosts = "";
            // (A network's aliases, such as the container's short ID, follow the host name on its line.)
            await Eventually.ThatAsync(async () => HasLine(hosts = await Vch.OkAsync("exec", name, "cat", "/etc/hosts"), leased, "livehost"),
                "/etc/hosts has the leased address", TimeSpan.FromSeconds(60));
            Assert.True(HasLine(hosts, bridgeAddress, "livehost"), hosts);
            Assert.True(HasLine(hosts, "10.9.9.9", "extra.test"), hosts);

            await Vch.OkAsync("network", "disconnect", "lan", name);
            hosts = await Vch.OkAsync("exec", name, "cat", "/etc/hosts");
            Assert.False(HasLine(hosts, leased, "livehost"), hosts);
            Assert.True(HasLine(hosts, bridgeAddress, "livehost"), hosts);
            Assert.True(HasLine(hosts, "10.9.9.9", "extra.test"), hosts);
        }
        finally
        {
            await Vch.DockerAsync("rm", "-f", name);
        }
    }

    /// <summary>Whether /etc/hosts has a line for <paramref name="address"/> whose first name is <paramref name="name"/>.</summary>
    private static bool HasLine(string hosts, string address, string name) =>
        hosts.Split('\n').Any(l => l.StartsWith(address + "\t", StringComparison.Ordinal) && l[(address.Length + 1)..].Split(' ')[0] == name);

    /// <summary>The address inspect shows once the guest's lease has reached the VCH, checked against dnsmasq's range.</summary>
    private async Task<string> LeasedAddressAsync(string container)
    {
        string address = "";
        await Eventually.ThatAsync(async () =>
        {
            address = (await Vch.OkAsync("inspect", "-f", "{{.NetworkSettings.Networks.lan.IPAddress}}", container)).Trim();
            return address.Length > 0;
        }, "inspect shows the container's DHCP lease", TimeSpan.FromSeconds(90));
        Assert.Matches(@"^10\.236\.0\.5\d$", address);
        return address;
    }
}

/// <summary>A namespace with bridge br0 (10.236.0.1/24) where dnsmasq serves DHCP for 10.236.0.50-59 with router
/// 10.236.0.1, DNS server 10.236.0.53 and domain dhcp.test, and a VCH whose container network "lan" is that bridge with
/// no gateway or range given.</summary>
public sealed class DhcpNetworkVch : IAsyncLifetime
{
    public string Namespace { get; } = "vicdhcp-" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _dir = Directory.CreateTempSubdirectory("vic-dhcp").FullName;
    private System.Diagnostics.Process? _dnsmasq;
    private readonly System.Text.StringBuilder _log = new();

    public DhcpNetworkVch() => Vch = new VchFixture(["--container-network", Namespace + "/br0:lan"]);

    public VchFixture Vch { get; }

    private string LeaseFile => Path.Combine(_dir, "dnsmasq.leases");

    public async Task InitializeAsync()
    {
        await IpAsync("netns", "add", Namespace);
        await IpAsync("-n", Namespace, "link", "set", "lo", "up");
        await IpAsync("-n", Namespace, "link", "add", "br0", "type", "bridge");
        await IpAsync("-n", Namespace, "addr", "add", "10.236.0.1/24", "dev", "br0");
        await IpAsync("-n", Namespace, "link", "set", "br0", "up");
        // DHCP only (--port=0: no DNS), on br0 only, nothing read from the host's configuration; root keeps the lease
        // file in the fixture's directory writable. Its log goes to stderr, which the test run shows on failure.
        _dnsmasq = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip",
        [
            "netns", "exec", Namespace, "dnsmasq", "--no-daemon", "--port=0", $"--conf-file={EmptyConf()}", "--no-resolv", "--no-hosts",
            "--user=root", "--interface=br0", "--bind-interfaces", "--dhcp-range=10.236.0.50,10.236.0.59,255.255.255.0,2m",
            "--dhcp-option=option:router,10.236.0.1", "--dhcp-option=option:dns-server,10.236.0.53", "--domain=dhcp.test",
            $"--dhcp-leasefile={LeaseFile}", $"--pid-file={Path.Combine(_dir, "dnsmasq.pid")}", "--log-dhcp",
        ]) { UseShellExecute = false, RedirectStandardError = true })!;
        _dnsmasq.ErrorDataReceived += (_, e) =>
        {
            lock (_log)
                _log.AppendLine(e.Data);
        };
        _dnsmasq.BeginErrorReadLine();
        await Eventually.ThatAsync(() => Task.FromResult(Log.Contains("DHCP, sockets bound", StringComparison.Ordinal) || _dnsmasq.HasExited),
            "dnsmasq is up", TimeSpan.FromSeconds(10));
        Assert.False(_dnsmasq.HasExited, "dnsmasq exited at start: " + Log);
        await Vch.InitializeAsync();
    }

    /// <summary>An empty configuration file of the fixture's own, so nothing of the host's dnsmasq setup is read.</summary>
    private string EmptyConf()
    {
        string path = Path.Combine(_dir, "dnsmasq.conf");
        File.WriteAllText(path, "");
        return path;
    }

    /// <summary>What dnsmasq logged (--log-dhcp: every packet it got and sent), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>dnsmasq's leases, one " expiry mac ip name clientid" line each (with a leading space to match fields).</summary>
    public async Task<string> LeasesAsync() =>
        string.Concat((await File.ReadAllLinesAsync(LeaseFile)).Select(l => " " + l + " \n"));

    /// <summary>A process in the namespace fetches the container httpd's /hostname on <paramref name="address"/>.</summary>
    public async Task ReachesAsync(string address, string containerId)
    {
        string? answer = null;
        await Eventually.ThatAsync(async () =>
        {
            var got = await Shell.RunAsync("ip", ["netns", "exec", Namespace, "busybox", "wget", "-qO-", $"http://{address}:8080/hostname"]);
            answer = got.Stdout.Trim();
            return got.ExitCode == 0;
        }, $"the container's httpd answers on its leased address {address}", TimeSpan.FromSeconds(60));
        Assert.Equal(containerId[..12], answer);
    }

    private static async Task IpAsync(params string[] args)
    {
        var result = await Shell.RunAsync("ip", args);
        Assert.True(result.ExitCode == 0, $"ip {string.Join(' ', args)}: {result.Stderr}");
    }

    public async Task DisposeAsync()
    {
        await Vch.DisposeAsync();
        if (_dnsmasq is not null)
        {
            _dnsmasq.Kill(entireProcessTree: true);
            await _dnsmasq.WaitForExitAsync();
            _dnsmasq.Dispose();
        }
        await Shell.RunAsync("ip", ["netns", "del", Namespace]);
        Directory.Delete(_dir, recursive: true);
    }
}
