using System.Net.Sockets;

namespace Vic.Integration.Tests;

/// <summary>Container networking through the real CLI: every containerVM has a virtio NIC on a bridge in the VCH's own
/// network namespace; names resolve through the VCH's DNS; published ports are relayed from the host (loopback only here).</summary>
[Collection("vch")]
public sealed class NetworkTests(VchFixture vch)
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task Containers_on_a_network_reach_each_other_by_name_and_alias_and_networks_are_isolated()
    {
        string net = Unique("app"), other = Unique("iso"), server = Unique("srv");
        await vch.OkAsync("network", "create", net);
        await vch.OkAsync("network", "create", "--internal", "--subnet", "10.231.7.0/24", other);
        try
        {
            await vch.OkAsync("run", "-d", "--name", server, "--network", net, "--network-alias", "web", "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc");
            string byName = await vch.OkAsync("run", "--rm", "--network", net, "busybox", "wget", "-qO-", $"http://{server}:8080/hostname");
            string byAlias = await vch.OkAsync("run", "--rm", "--network", net, "busybox", "wget", "-qO-", "http://web:8080/hostname");
            string id = await vch.OkAsync("inspect", "-f", "{{.Id}}", server);
            Assert.Equal(id[..12], byName);
            Assert.Equal(id[..12], byAlias);

            string address = await vch.OkAsync("inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}", server);
            Assert.Matches(@"^172\.(1[6-9]|2\d|3[01])\.\d+\.\d+$", address);
            // Another network: the name does not resolve and the address is unreachable (no route off an internal network).
            var cross = await vch.DockerAsync("run", "--rm", "--network", other, "busybox", "sh", "-c", $"nslookup {server} || echo no-name; ping -c1 -W2 {address} || echo no-route");
            Assert.Contains("no-name", cross.Stdout);
            Assert.Contains("no-route", cross.Stdout);
            string own = await vch.OkAsync("run", "--rm", "--network", other, "--ip", "10.231.7.77", "busybox", "sh", "-c", "ip -4 -o addr show eth0; ip route");
            Assert.Contains("10.231.7.77/24", own);
            Assert.DoesNotContain("default", own);

            var inUse = await vch.DockerAsync("network", "rm", net);
            Assert.Contains("has active endpoints", inUse.Stderr);
            var inspect = await vch.OkAsync("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", net);
            Assert.Contains(server, inspect);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", server);
            await vch.DockerAsync("network", "rm", net);
            await vch.DockerAsync("network", "rm", other);
        }
        var gone = await vch.DockerAsync("network", "inspect", net);
        Assert.Contains($"network {net} not found", gone.Stderr);
    }

    [Fact]
    public async Task A_running_container_is_connected_and_disconnected_live_and_a_stopped_one_on_its_next_start()
    {
        // busybox's static wget crashes with -T, so reachability without a connection is checked with nc -w.
        string front = Unique("front"), back = Unique("back"), server = Unique("api"), client = Unique("cli"), idle = Unique("idle");
        await vch.OkAsync("network", "create", front);
        await vch.OkAsync("network", "create", "--subnet", "10.232.9.0/24", back);
        try
        {
            await vch.OkAsync("run", "-d", "--name", server, "--network", back, "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc");
            await vch.OkAsync("run", "-d", "--name", client, "--network", front, "--add-host", "pinned:10.232.9.50", "busybox", "sleep", "600");
            string clientHost = (await vch.OkAsync("inspect", "-f", "{{.Id}}", client))[..12];
            string serverIp = await vch.OkAsync("inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{back}\").IPAddress}}}}", server);
            var unreachable = await vch.DockerAsync("exec", client, "sh", "-c", $"echo | nc -w 2 {serverIp} 8080");
            Assert.NotEqual(0, unreachable.ExitCode);

            // Live connect: the VM's spare NIC joins the network, with a static address and an alias.
            await vch.OkAsync("network", "connect", "--ip", "10.232.9.50", "--alias", "client-alias", back, client);
            string addresses = await vch.OkAsync("exec", client, "ip", "-4", "-o", "addr", "show");
            Assert.Contains("10.232.9.50/24", addresses);
            string byName = await vch.OkAsync("exec", client, "wget", "-qO-", $"http://{server}:8080/hostname");
            Assert.Equal((await vch.OkAsync("inspect", "-f", "{{.Id}}", server))[..12], byName);
            string members = await vch.OkAsync("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.IPv4Address}};{{end}}", back);
            Assert.Contains($"{client} 10.232.9.50/24", members);
            string aliases = await vch.OkAsync("inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{back}\").Aliases}}}} {{{{(index .NetworkSettings.Networks \"{back}\").IPAMConfig.IPv4Address}}}}", client);
            Assert.Contains("client-alias", aliases);
            Assert.Contains("10.232.9.50", aliases);
            var resolved = await vch.OkAsync("exec", server, "nslookup", "-type=a", "client-alias");
            Assert.Contains("10.232.9.50", resolved);
            // The new address is in the container's own /etc/hosts with its host name, as dockerd writes it.
            string hosts = await vch.OkAsync("exec", client, "cat", "/etc/hosts");
            Assert.Contains($"10.232.9.50\t{clientHost} {client} client-alias\n", hosts + "\n");
            Assert.Contains("10.232.9.50\tpinned", hosts);

            var twice = await vch.DockerAsync("network", "connect", back, client);
            Assert.NotEqual(0, twice.ExitCode);
            Assert.Contains($"endpoint with name {client} already exists in network {back}", twice.Stderr);

            // Live disconnect: the address is gone from the guest and the network no longer reaches it.
            await vch.OkAsync("network", "disconnect", back, client);
            addresses = await vch.OkAsync("exec", client, "ip", "-4", "-o", "addr", "show");
            Assert.DoesNotContain("10.232.9.", addresses);
            // Its /etc/hosts line went with it; the --add-host line for the same address stays.
            hosts = await vch.OkAsync("exec", client, "cat", "/etc/hosts");
            Assert.DoesNotContain(clientHost + " " + client + " client-alias", hosts);
            Assert.Contains("10.232.9.50\tpinned", hosts);
            unreachable = await vch.DockerAsync("exec", client, "sh", "-c", $"echo | nc -w 2 {serverIp} 8080");
            Assert.NotEqual(0, unreachable.ExitCode);
            var notConnected = await vch.DockerAsync("network", "disconnect", back, client);
            Assert.Contains("is not connected to network", notConnected.Stderr);

            // The freed slot is used again, and the primary network can go and come back too.
            await vch.OkAsync("network", "connect", back, client);
            Assert.Equal(byName, await vch.OkAsync("exec", client, "wget", "-qO-", $"http://{server}:8080/hostname"));
            await vch.OkAsync("network", "disconnect", front, client);
            Assert.Equal(byName, await vch.OkAsync("exec", client, "wget", "-qO-", $"http://{serverIp}:8080/hostname"));

            // A created container: recorded now, plugged at its start.
            await vch.OkAsync("create", "--name", idle, "--network", front, "busybox", "sleep", "600");
            await vch.OkAsync("network", "connect", back, idle);
            await vch.OkAsync("start", idle);
            Assert.Equal(byName, await vch.OkAsync("exec", idle, "wget", "-qO-", $"http://{server}:8080/hostname"));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", server, client, idle);
            await vch.DockerAsync("network", "rm", front);
            await vch.DockerAsync("network", "rm", back);
        }
    }

    [Fact]
    public async Task A_published_udp_port_relays_datagrams_both_ways_per_client()
    {
        // busybox has no UDP server: a tiny static echo server, built here and bind-mounted into the container.
        string tools = Directory.CreateTempSubdirectory("vic-udp").FullName;
        string name = Unique("udp");
        try
        {
            var built = await Shell.RunAsync("clang", ["-static", "-O2", "-o", Path.Combine(tools, "udpecho"),
                Path.Combine(RepoPaths.Root, "tests", "Vic.Integration.Tests", "Tools", "udpecho.c")]);
            Assert.True(built.ExitCode == 0, built.Stderr);
            await vch.OkAsync("run", "-d", "--name", name, "-p", "127.0.0.1::7777/udp", "-v", $"{tools}:/tools:ro", "busybox", "/tools/udpecho", "7777");
            string mapping = await vch.OkAsync("port", name, "7777/udp");
            Assert.Matches(@"^127\.0\.0\.1:\d+$", mapping);
            int port = int.Parse(mapping.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

            // Two clients (two source ports): each gets its own replies. The server may still be starting: retry.
            using var first = new UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            using var second = new UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            string? reply = null;
            await Eventually.ThatAsync(async () => (reply = await ExchangeAsync(first, port, "one")) is not null, "the UDP echo server answers", TimeSpan.FromSeconds(60));
            Assert.Equal("echo:one", reply);
            Assert.Equal("echo:two", await ExchangeAsync(second, port, "two"));
            Assert.Equal("echo:three", await ExchangeAsync(first, port, "three"));

            var taken = await vch.DockerAsync("run", "--rm", "-p", $"127.0.0.1:{port}:7777/udp", "busybox", "true");
            Assert.Contains($"Bind for 127.0.0.1:{port} failed: port is already allocated", taken.Stderr);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
            Directory.Delete(tools, recursive: true);
        }
    }

    /// <summary>One datagram to the published port and its answer; null when none came within two seconds.</summary>
    private static async Task<string?> ExchangeAsync(UdpClient client, int port, string text)
    {
        await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(text), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            var result = await client.ReceiveAsync(timeout.Token);
            return System.Text.Encoding.ASCII.GetString(result.Buffer);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Links_name_the_target_in_etc_hosts_on_the_default_bridge_and_through_dns_on_a_user_network()
    {
        string target = Unique("tgt"), net = Unique("linknet"), onNet = Unique("tgtnet");
        await vch.OkAsync("network", "create", net);
        try
        {
            await vch.OkAsync("run", "-d", "--name", target, "busybox", "sleep", "600");
            string targetIp = await vch.OkAsync("inspect", "-f", "{{.NetworkSettings.IPAddress}}", target);
            string hosts = await vch.OkAsync("run", "--rm", "--link", $"{target}:db", "busybox", "cat", "/etc/hosts");
            Assert.Contains($"{targetIp}\tdb {target}", hosts);
            // A missing link target is a 404 as with dockerd (the CLI then tries a pull, so ask the API directly).
            var missing = await Shell.RunAsync("curl", ["-s", "--unix-socket", vch.DockerHost.Replace("unix://", ""), "-w", "\n%{http_code}",
                "-H", "Content-Type: application/json", "-d", "{\"Image\":\"busybox\",\"HostConfig\":{\"Links\":[\"no-such-container:db\"]}}",
                "http://localhost/containers/create"]);
            Assert.EndsWith("\n404", missing.Stdout);
            Assert.Contains("could not get container for no-such-container", missing.Stdout);

            await vch.OkAsync("run", "-d", "--name", onNet, "--network", net, "busybox", "sleep", "600");
            string onNetIp = await vch.OkAsync("inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}", onNet);
            string resolved = await vch.OkAsync("run", "--rm", "--network", net, "--link", $"{onNet}:cache", "busybox", "nslookup", "-type=a", "cache");
            Assert.Contains(onNetIp, resolved);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", target, onNet);
            await vch.DockerAsync("network", "rm", net);
        }
    }

    [Fact]
    public async Task An_address_survives_stop_and_start_and_dns_follows_a_rename()
    {
        string name = Unique("keep"), renamed = Unique("renamed"), net = Unique("keepnet");
        await vch.OkAsync("network", "create", net);
        try
        {
            await vch.OkAsync("run", "-d", "--name", name, "--network", net, "busybox", "sleep", "600");
            string before = await vch.OkAsync("inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}", name);
            await vch.OkAsync("stop", "-t", "1", name);
            await vch.OkAsync("start", name);
            string after = await vch.OkAsync("inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}", name);
            Assert.Equal(before, after);
            await vch.OkAsync("rename", name, renamed);
            string resolved = await vch.OkAsync("run", "--rm", "--network", net, "busybox", "nslookup", "-type=a", renamed);
            Assert.Contains(after, resolved);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
            await vch.DockerAsync("rm", "-f", renamed);
            await vch.DockerAsync("network", "rm", net);
        }
    }

    [Fact]
    public async Task Published_ports_are_reached_from_the_host_and_a_taken_port_is_refused()
    {
        int port = FreePort();
        string name = Unique("pub");
        await vch.OkAsync("run", "-d", "--name", name, "-p", $"127.0.0.1:{port}:8080", "-p", "8080", "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc");
        try
        {
            string id = await vch.OkAsync("inspect", "-f", "{{.Id}}", name);
            // docker run -d returns once httpd is launched; it listens a moment later.
            await Eventually.ThatAsync(async () => (await Shell.RunAsync("curl", ["-s", "--max-time", "10", $"http://127.0.0.1:{port}/hostname"])).Stdout.Trim() == id[..12],
                "the published port to reach httpd");
            string mappings = await vch.OkAsync("port", name);
            Assert.Contains($"8080/tcp -> 127.0.0.1:{port}", mappings);
            string random = mappings.Split('\n').Single(l => !l.Contains($":{port}", StringComparison.Ordinal)).Split(':')[^1];
            var randomPort = await Shell.RunAsync("curl", ["-s", "--max-time", "10", $"http://127.0.0.1:{random}/hostname"]);
            Assert.Equal(id[..12], randomPort.Stdout.Trim());
            Assert.Contains($"127.0.0.1:{port}->8080/tcp", await vch.OkAsync("ps", "--filter", $"name={name}", "--format", "{{.Ports}}"));

            var taken = await vch.DockerAsync("run", "-d", "-p", $"127.0.0.1:{port}:80", "busybox", "true");
            Assert.NotEqual(0, taken.ExitCode);
            Assert.Contains($"Bind for 127.0.0.1:{port} failed: port is already allocated", taken.Stderr);

            // A host port range takes its first free port; here the first is the one the container above holds.
            string ranged = await vch.OkAsync("run", "-d", "-p", $"127.0.0.1:{port}-{port + 20}:8080", "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc");
            int rangedPort = int.Parse((await vch.OkAsync("port", ranged, "8080")).Split(':')[^1]);
            Assert.InRange(rangedPort, port + 1, port + 20);
            await Eventually.ThatAsync(async () => (await Shell.RunAsync("curl", ["-s", "--max-time", "10", $"http://127.0.0.1:{rangedPort}/hostname"])).Stdout.Trim() == ranged[..12],
                "the port taken from the range to reach httpd");
            await vch.OkAsync("rm", "-f", ranged);

            // Stopping releases the port.
            await vch.OkAsync("stop", "-t", "1", name);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
            foreach (string leftover in (await vch.DockerAsync("ps", "-aq", "--filter", "status=created")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                await vch.DockerAsync("rm", leftover);
        }
    }

    [Fact]
    public async Task Network_none_gives_loopback_only_and_host_networking_is_refused_clearly()
    {
        string links = await vch.OkAsync("run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net");
        Assert.Equal("lo", links.Trim());
        var host = await vch.DockerAsync("run", "--rm", "--network", "host", "busybox", "true");
        Assert.NotEqual(0, host.ExitCode);
        Assert.Contains("every container is a VM with its own network stack", host.Stderr);
    }

    [Fact]
    public async Task Containers_reach_outside_addresses_through_the_vch_and_unmasqueraded_networks_do_not()
    {
        // "Outside" is a namespace this test makes, wired to the host by a veth pair: the host has a route to it, as it
        // would to the internet, and nothing leaves the machine.
        await using var outside = await OutsideNamespace.StartAsync();
        string closed = Unique("nomasq");
        await vch.OkAsync("network", "create", "-o", "com.docker.network.bridge.enable_ip_masquerade=false", "--subnet", "10.233.5.0/24", closed);
        try
        {
            // The peer sees the host's address, not the container's: the connection was opened again by the VCH.
            string peer = await vch.OkAsync("run", "--rm", "busybox", "wget", "-qO-", $"http://{OutsideNamespace.ServerAddress}:8080/cgi-bin/peer");
            Assert.Equal(OutsideNamespace.HostAddress, peer.Trim());
            string body = await vch.OkAsync("run", "--rm", "busybox", "sh", "-c",
                $"wget -qO- http://{OutsideNamespace.ServerAddress}:8080/index.html; wget -qO- http://{OutsideNamespace.ServerAddress}:8081/ 2>&1 || echo refused");
            Assert.StartsWith("outside-index", body);
            Assert.Contains("refused", body);

            // A network without masquerading has a default route but no way out; an internal one has no route at all.
            var blocked = await vch.DockerAsync("run", "--rm", "--network", closed, "busybox", "sh", "-c",
                $"ip route | grep -q default && echo has-route; nc -w 3 {OutsideNamespace.ServerAddress} 8080 </dev/null && echo reached || echo blocked");
            Assert.Contains("has-route", blocked.Stdout);
            Assert.Contains("blocked", blocked.Stdout);
            Assert.DoesNotContain("reached", blocked.Stdout);
        }
        finally
        {
            await vch.DockerAsync("network", "rm", closed);
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>docker-compose (Debian's v1) brings up an app whose services reach each other by service name.</summary>
[Collection("vch")]
public sealed class ComposeTests(VchFixture vch)
{
    [Fact]
    public async Task A_two_service_app_talks_by_service_name()
    {
        string dir = Path.Combine(Path.GetTempPath(), "vic-compose-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "docker-compose.yml"), """
            version: "3"
            services:
              web:
                image: busybox
                command: httpd -f -p 8080 -h /etc
              client:
                image: busybox
                command: sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://web:8080/hostname && echo reached-web && exit 0; sleep 1; done; exit 1"
                depends_on: [web]
            """);
        var env = new Dictionary<string, string> { ["DOCKER_HOST"] = vch.DockerHost, ["COMPOSE_PROJECT_NAME"] = "vicit" + Path.GetFileName(dir)[^6..] };
        try
        {
            var up = await Shell.RunAsync("docker-compose", ["-f", Path.Combine(dir, "docker-compose.yml"), "up", "--abort-on-container-exit", "--exit-code-from", "client"], env);
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains("reached-web", up.Stdout);
        }
        finally
        {
            await Shell.RunAsync("docker-compose", ["-f", Path.Combine(dir, "docker-compose.yml"), "down"], env);
            Directory.Delete(dir, recursive: true);
        }
    }
}
