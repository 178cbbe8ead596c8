using System.Globalization;

namespace Vic.Integration.Tests;

/// <summary>
/// Outbound UDP and ping through the VCH's relays, against servers in a namespace the test makes (the outside): a
/// UDP echo server, a DNS server that is not the VCH's, and the namespace's own kernel answering ping. In the "vch"
/// collection only because the outside's addresses are fixed (the TCP test uses them too); it makes a VCH of its own,
/// since it checks what is left after that VCH is deleted.
/// </summary>
[Collection("vch")]
public sealed class OutboundRelayTests
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..6];

    private static readonly string EchoPort = OutsideNamespace.UdpEchoPort.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Udp_dns_and_ping_reach_outside_through_the_vch_internal_networks_get_nothing_and_nothing_is_left_behind()
    {
        await using var outside = await OutsideNamespace.StartAsync(udp: true);
        var vch = new VchFixture();
        bool deleted = false;
        try
        {
            await vch.InitializeAsync();
            string fabric = "vic-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(vch.DatastorePath)))[..12];
            Assert.Contains(fabric, (await Shell.RunAsync("ip", ["netns", "list"])).Stdout);
            int daemon = DaemonPid(vch.Root);

            string client = Unique("out");
            await vch.OkAsync("run", "-d", "--name", client, "-v", $"{outside.ToolsDirectory}:/tools:ro", "busybox", "sleep", "600");

            // UDP out and back; the server saw the host's address: the datagrams were sent again by the VCH.
            string udp = await vch.OkAsync("exec", client, "/tools/udpclient", OutsideNamespace.ServerAddress, EchoPort, "hello-outside");
            Assert.Equal($"echo:hello-outside from {OutsideNamespace.HostAddress}", udp.Trim());
            // A second flow (another source port) gets its own replies.
            string again = await vch.OkAsync("exec", client, "/tools/udpclient", OutsideNamespace.ServerAddress, EchoPort, "second");
            Assert.Equal($"echo:second from {OutsideNamespace.HostAddress}", again.Trim());

            // DNS to a resolver that is not the VCH's.
            string lookup = await vch.OkAsync("exec", client, "nslookup", "-type=a", OutsideNamespace.DnsName, OutsideNamespace.ServerAddress);
            Assert.Matches($@"Name:\s+{System.Text.RegularExpressions.Regex.Escape(OutsideNamespace.DnsName)}\s+Address(?: \d+)?:\s+{System.Text.RegularExpressions.Regex.Escape(OutsideNamespace.ServerAddress)}", lookup);

            // ping: every request answered by the outside address.
            string ping = await vch.OkAsync("exec", client, "ping", "-c", "3", "-W", "5", OutsideNamespace.ServerAddress);
            Assert.Contains("3 packets transmitted, 3 packets received", ping);
            Assert.Contains($"bytes from {OutsideNamespace.ServerAddress}: seq=2", ping);

            // The flows are there while the container runs: a transparent socket on the destination's address in the
            // VCH's namespace, and the daemon's own socket to the destination in the host's.
            Assert.NotEmpty(await FlowSocketsInsideAsync(fabric));
            Assert.Contains($"pid={daemon},", await HostFlowSocketsAsync());

            // Internal networks get nothing out; --network none has no NIC at all.
            string closed = Unique("int");
            await vch.OkAsync("network", "create", "--internal", "--subnet", "10.233.9.0/24", closed);
            var blocked = await vch.DockerAsync("run", "--rm", "--network", closed, "-v", $"{outside.ToolsDirectory}:/tools:ro", "busybox", "sh", "-c",
                $"/tools/udpclient {OutsideNamespace.ServerAddress} {EchoPort} x >/dev/null 2>&1 && echo udp-reached || echo udp-blocked; " +
                $"ping -c 1 -W 2 {OutsideNamespace.ServerAddress} >/dev/null 2>&1 && echo ping-reached || echo ping-blocked");
            Assert.Contains("udp-blocked", blocked.Stdout);
            Assert.Contains("ping-blocked", blocked.Stdout);
            var none = await vch.DockerAsync("run", "--rm", "--network", "none", "busybox", "sh", "-c",
                $"ping -c 1 -W 2 {OutsideNamespace.ServerAddress} >/dev/null 2>&1 && echo ping-reached || echo ping-blocked");
            Assert.Contains("ping-blocked", none.Stdout);

            // Removing the container closes its flows at once (not after their idle time).
            await vch.OkAsync("rm", "-f", client);
            await Eventually.ThatAsync(async () => (await FlowSocketsInsideAsync(fabric)).Length == 0 && !(await HostFlowSocketsAsync()).Contains($"pid={daemon},"),
                "the removed container's relay sockets are closed", TimeSpan.FromSeconds(30));
            await vch.OkAsync("network", "rm", closed);

            // The VCH gone: its daemon, its namespace (rules and routes with it) and every relay socket are gone.
            Assert.Contains($"pid={daemon},", await RawSocketsAsync());
            await vch.DisposeAsync();
            deleted = true;
            Assert.False(Directory.Exists($"/proc/{daemon}") && File.ReadAllText($"/proc/{daemon}/cmdline").Contains(vch.Root, StringComparison.Ordinal),
                "the VCH daemon still runs");
            Assert.DoesNotContain(fabric, (await Shell.RunAsync("ip", ["netns", "list"])).Stdout);
            Assert.DoesNotContain($"pid={daemon},", await RawSocketsAsync());
            Assert.DoesNotContain($"pid={daemon},", await HostFlowSocketsAsync());
        }
        finally
        {
            if (!deleted)
                await vch.DisposeAsync();
        }
    }

    /// <summary>The VCH daemon serving the VCH under <paramref name="root"/> (its command line names its directory).</summary>
    private static int DaemonPid(string root)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out int pid))
                continue;
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("vic-vch", StringComparison.Ordinal) && cmdline.Contains(root, StringComparison.Ordinal))
                    return pid;
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
        }
        Assert.Fail($"no vic-vch process for {root}");
        return 0;
    }

    /// <summary>UDP sockets in the VCH's namespace bound to the outside address (the relay's per-flow sockets).</summary>
    private static async Task<string> FlowSocketsInsideAsync(string fabric) =>
        (await Shell.RunAsync("ip", ["netns", "exec", fabric, "ss", "-Huan", "src", OutsideNamespace.ServerAddress])).Stdout.Trim();

    /// <summary>UDP sockets in the host's namespace connected to the outside echo server, with their processes.</summary>
    private static async Task<string> HostFlowSocketsAsync() =>
        (await Shell.RunAsync("ss", ["-Huanp", "dst", $"{OutsideNamespace.ServerAddress}:{EchoPort}"])).Stdout;

    /// <summary>Raw sockets in the host's namespace with their processes (the ICMP relay's host side is one).</summary>
    private static async Task<string> RawSocketsAsync() => (await Shell.RunAsync("ss", ["-Hwanp"])).Stdout;
}
