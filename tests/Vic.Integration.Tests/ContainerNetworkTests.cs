namespace Vic.Integration.Tests;

/// <summary>
/// Container networks (vic-machine create --container-network): containerVMs joined directly to an existing Linux
/// bridge, with addresses from the configured range and no NAT. The "existing network" is a bridge inside a network
/// namespace this fixture makes, with a busybox httpd as its other host; nothing touches the host's own interfaces.
/// </summary>
public sealed class ContainerNetworkTests(ContainerNetworkVch fixture) : IClassFixture<ContainerNetworkVch>
{
    private VchFixture Vch => fixture.Vch;

    [Fact]
    public async Task A_container_on_a_container_network_is_reached_and_reaches_out_on_its_own_address()
    {
        string list = await Vch.OkAsync("network", "ls", "--format", "{{.Name}} {{.Driver}}");
        Assert.Contains("public external", list.Split('\n'));
        string range = await Vch.OkAsync("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}} {{.IPRange}}{{end}}", "public");
        Assert.Equal("10.235.0.0/24 10.235.0.1 10.235.0.100-10.235.0.120", range);

        // Outbound with no NAT: the network's other host sees the container's own address, from the range.
        string seen = (await Vch.OkAsync("run", "--rm", "--network", "public", "busybox", "sh", "-c",
            "wget -qO- http://10.235.0.1:8080/cgi-bin/peer; ip -4 -o addr show eth0; cat /etc/resolv.conf")).Trim();
        string peer = seen.Split('\n')[0];
        Assert.Matches(@"^10\.235\.0\.(10\d|11\d|120)$", peer);
        Assert.Contains($"inet {peer}/24", seen);
        Assert.Contains("nameserver 10.235.0.1", seen);

        // Inbound on the container's own address, without -p: the network's host connects to it directly.
        string web = "web-" + Guid.NewGuid().ToString("N")[..6];
        await Vch.OkAsync("run", "-d", "--name", web, "--network", "public", "--ip", "10.235.0.110", "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc");
        try
        {
            string id = await Vch.OkAsync("inspect", "-f", "{{.Id}}", web);
            string? answer = null;
            await Eventually.ThatAsync(async () =>
            {
                var got = await Shell.RunAsync("ip", ["netns", "exec", fixture.Namespace, "busybox", "wget", "-qO-", "http://10.235.0.110:8080/hostname"]);
                answer = got.Stdout.Trim();
                return got.ExitCode == 0;
            }, "the container's httpd answers on its own address from the container network", TimeSpan.FromSeconds(60));
            Assert.Equal(id[..12], answer);
        }
        finally
        {
            await Vch.DockerAsync("rm", "-f", web);
        }

        var remove = await Vch.DockerAsync("network", "rm", "public");
        Assert.Contains("public is a pre-defined network and cannot be removed", remove.Stderr);
    }

    [Fact]
    public async Task A_missing_bridge_or_gateway_is_refused_before_anything_is_made()
    {
        var missing = await Vch.MachineAsync("create", "--name", "nobr", "--endpoint-port", "0", "--admin-port", "0",
            "--container-network", "vicnosuchbr0:lan", "--container-network-gateway", "vicnosuchbr0:10.9.9.1/24");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("no such network interface vicnosuchbr0", missing.Stderr);
        Assert.False(Directory.Exists(Path.Combine(Vch.Root, "nobr")));

        // Without a gateway the network uses DHCP (DhcpNetworkTests); a static range without its gateway is refused.
        var noGateway = await Vch.MachineAsync("create", "--name", "nogw", "--endpoint-port", "0", "--admin-port", "0",
            "--container-network", $"{fixture.Namespace}/br0:lan", "--container-network-ip-range", $"{fixture.Namespace}/br0:10.235.0.10-10.235.0.20");
        Assert.NotEqual(0, noGateway.ExitCode);
        Assert.Contains("a static range needs the network's gateway (--container-network-gateway", noGateway.Stderr);
        Assert.False(Directory.Exists(Path.Combine(Vch.Root, "nogw")));
    }
}

/// <summary>A namespace with bridge br0 (10.235.0.1/24, the network's router and a busybox httpd whose CGI prints the
/// client's address), and a VCH created with it as container network "public".</summary>
public sealed class ContainerNetworkVch : IAsyncLifetime
{
    public string Namespace { get; } = "vicext-" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _root = Directory.CreateTempSubdirectory("vic-extnet").FullName;
    private System.Diagnostics.Process? _httpd;

    public ContainerNetworkVch()
    {
        string bridge = Namespace + "/br0";
        Vch = new VchFixture(["--container-network", bridge + ":public", "--container-network-gateway", bridge + ":10.235.0.1/24",
            "--container-network-ip-range", bridge + ":10.235.0.100-10.235.0.120", "--container-network-dns", bridge + ":10.235.0.1"]);
    }

    public VchFixture Vch { get; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cgi-bin"));
        string cgi = Path.Combine(_root, "cgi-bin", "peer");
        await File.WriteAllTextAsync(cgi, "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' \"$REMOTE_ADDR\"\n");
        Assert.Equal(0, (await Shell.RunAsync("chmod", ["755", cgi])).ExitCode);
        await IpAsync("netns", "add", Namespace);
        await IpAsync("-n", Namespace, "link", "set", "lo", "up");
        await IpAsync("-n", Namespace, "link", "add", "br0", "type", "bridge");
        await IpAsync("-n", Namespace, "addr", "add", "10.235.0.1/24", "dev", "br0");
        await IpAsync("-n", Namespace, "link", "set", "br0", "up");
        _httpd = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip",
            ["netns", "exec", Namespace, "busybox", "httpd", "-f", "-p", "10.235.0.1:8080", "-h", _root]) { UseShellExecute = false })!;
        await Vch.InitializeAsync();
    }

    private static async Task IpAsync(params string[] args)
    {
        var result = await Shell.RunAsync("ip", args);
        Assert.True(result.ExitCode == 0, $"ip {string.Join(' ', args)}: {result.Stderr}");
    }

    public async Task DisposeAsync()
    {
        await Vch.DisposeAsync();
        if (_httpd is not null)
        {
            _httpd.Kill(entireProcessTree: true);
            await _httpd.WaitForExitAsync();
            _httpd.Dispose();
        }
        // The VCH's delete removed its namespace and with it the veth into br0; the namespace is the fixture's own.
        await Shell.RunAsync("ip", ["netns", "del", Namespace]);
        Directory.Delete(_root, recursive: true);
    }
}
