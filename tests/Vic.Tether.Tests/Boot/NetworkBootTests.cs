using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Vic.Tether.Protocol;
using Xunit.Abstractions;

namespace Vic.Tether.Tests.Boot;

/// <summary>
/// The tether's network setup in real guests: two VMs whose virtio NICs are joined by a QEMU socket netdev on
/// loopback (one listens, the other connects), configured only from their specs, reach each other.
/// </summary>
[Collection(BootCollection.Name)]
public sealed partial class NetworkBootTests(BootFixture fixture, ITestOutputHelper output)
{
    private const string Id = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    private const string MacA = "02:42:0a:59:00:02", MacB = "02:42:0a:59:00:03";

    /// <summary>Two VMs booting at once under TCG on a loaded two-core host, each waiting for the other.</summary>
    private static readonly TimeSpan PairTimeout = TimeSpan.FromSeconds(150);

    private static VmSpec Spec(string hostname, ProcessSpec process) =>
        new() { Mode = VmMode.Container, Id = Id, Hostname = hostname, HostTimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Process = process };

    private static string[] Nic(string netdev, string mac) => ["-netdev", netdev, "-device", $"virtio-net-device,netdev=n0,mac={mac}"];

    [Fact]
    public async Task TwoVmsGetTheirNamesAddressesMtuRouteAndFilesAndReachEachOtherByAddressAndAlias()
    {
        // A: renamed NIC, MTU, default route, DNS settings; it pings B by address, then stays up until B has gone
        // (B's ping of A must find A still there).
        VmSpec a = Spec("alpha", new ProcessSpec
        {
            Args = ["sh", "-c", """
                cat /sys/class/net/ctr0/mtu /sys/class/net/ctr0/address
                ip -4 addr show dev ctr0 | grep inet
                ip route
                echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---
                i=0; until ping -c 1 -W 1 10.89.0.3 >/dev/null 2>&1; do i=$((i+1)); [ $i -ge 90 ] && { echo B unreachable; exit 1; }; done
                echo ping-b-by-address-ok
                while ping -c 1 -W 1 10.89.0.3 >/dev/null 2>&1; do sleep 1; done
                """],
        }) with
        {
            Interfaces = [new NetworkInterfaceSpec { Mac = MacA, Name = "ctr0", Address = "10.89.0.2/24", Gateway = "10.89.0.1", Mtu = 1400, Aliases = ["web", "alpha"] }],
            Dns = new DnsSpec { Nameservers = ["10.89.0.1"], Search = ["example.test"], Options = ["ndots:1"] },
            ExtraHosts = [new HostEntry("10.89.0.3", ["peer-b"])],
        };
        // B: eth0 without a gateway and no DNS settings (the image's resolv.conf stays); it pings A by an extra-hosts name.
        VmSpec b = Spec("bravo", new ProcessSpec
        {
            Args = ["sh", "-c", """
                ip route
                echo ---; cat /etc/resolv.conf; echo ---
                i=0; until ping -c 1 -W 1 peer-a >/dev/null 2>&1; do i=$((i+1)); [ $i -ge 90 ] && { echo A unreachable; ping -c 1 -W 1 peer-a; exit 1; }; done
                echo ping-a-by-alias-ok
                # Stay up until A's ping of B has arrived (ICMP InEchos in /proc/net/snmp), or A would find B gone.
                echos() { awk '/^Icmp:/ { if (!n) { for (f = 1; f <= NF; f++) if ($f == "InEchos") n = f } else { print $n; exit } }' /proc/net/snmp; }
                i=0; until [ "$(echos)" -ge 1 ]; do i=$((i+1)); [ $i -ge 450 ] && break; sleep 0.2; done
                """],
        }) with
        {
            Interfaces = [new NetworkInterfaceSpec { Mac = MacB, Name = "eth0", Address = "10.89.0.3/24" }],
            ExtraHosts = [new HostEntry("10.89.0.2", ["peer-a", "alpha.test"])],
        };

        int port = FreeLoopbackPort();
        (string dirA, string diskA) = fixture.NewRun();
        (string dirB, string diskB) = fixture.NewRun();
        Task<VmResult> runA = TestVm.RunAsync(dirA, a, diskA, timeout: PairTimeout, debugConsole: true,
            extraArgs: Nic($"socket,id=n0,listen=127.0.0.1:{port}", MacA));
        // QEMU takes the first connection on the listening port as the peer, so wait for it to listen without connecting.
        await WaitForListenerAsync(port, runA);
        Task<VmResult> runB = TestVm.RunAsync(dirB, b, diskB, timeout: PairTimeout, debugConsole: true,
            extraArgs: Nic($"socket,id=n0,connect=127.0.0.1:{port}", MacB));
        VmResult resultA = await runA, resultB = await runB;
        ReportBootTimeline("A", resultA);
        ReportBootTimeline("B", resultB);

        Assert.True(resultA.Exit.ExitCode == 0, resultA.ToString());
        Assert.True(resultB.Exit.ExitCode == 0, resultB.ToString());
        string[] sections = resultA.Stdout.Split("---\n");
        Assert.Equal(4, sections.Length);
        Assert.Matches(@"^1400\n02:42:0a:59:00:02\n\s*inet 10\.89\.0\.2/24 brd 10\.89\.0\.255 scope global ctr0\n", sections[0]);
        Assert.Contains("default via 10.89.0.1 dev ctr0", sections[0]);
        Assert.Contains("10.89.0.0/24 dev ctr0 scope link  src 10.89.0.2", sections[0]);
        Assert.Equal(
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
            "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n10.89.0.2\talpha web\n10.89.0.3\tpeer-b\n", sections[1]);
        Assert.Equal("search example.test\nnameserver 10.89.0.1\noptions ndots:1\n", sections[2]);
        Assert.Equal("ping-b-by-address-ok\n", sections[3]);

        sections = resultB.Stdout.Split("---\n");
        Assert.Equal("10.89.0.0/24 dev eth0 scope link  src 10.89.0.3 \n", sections[0]); // no default route without a gateway
        Assert.Equal(BootFixture.ImageResolvConf, sections[1]);
        Assert.Equal("ping-a-by-alias-ok\n", sections[2]);
    }

    [Fact]
    public async Task ADhcpNicTakesItsLeaseFromQemusUserNetworkReportsItAndReleasesItAtTheEnd()
    {
        const string mac = "02:42:0a:59:00:0d";
        VmSpec spec = Spec("leased", new ProcessSpec
        {
            Args = ["sh", "-c", "ip -4 addr show dev eth0 | grep inet; ip route; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hosts"],
        }) with
        {
            Interfaces = [new NetworkInterfaceSpec { Mac = mac, Name = "eth0", Address = "", Aliases = ["web"], Dhcp = new DhcpSpec { DefaultRoute = true, Resolvers = true } }],
            Dns = new DnsSpec { Options = ["ndots:1"] },
        };
        (string dir, string disk) = fixture.NewRun();
        // QEMU's user network, restricted (nothing is routed off the host): its built-in DHCP server leases 10.0.2.15/24
        // from 10.0.2.2 by broadcast, and, restricted, offers no router or DNS server (dnsmasq's in DhcpNetworkTests does).
        VmResult run = await TestVm.RunAsync(dir, spec, disk, debugConsole: true, extraArgs: Nic("user,id=n0,restrict=on", mac));
        ReportBootTimeline("dhcp", run);

        Assert.True(run.Exit.ExitCode == 0, run.ToString());
        string[] sections = run.Stdout.Split("---\n");
        Assert.Matches(@"^\s*inet 10\.0\.2\.15/24 ", sections[0]);
        Assert.DoesNotContain("default", sections[0]); // no router in the lease, no default route
        Assert.Equal("options ndots:1\n", sections[1]);
        Assert.EndsWith("10.0.2.15\tleased web\n", sections[2]);

        var reports = run.Records.Where(r => r.Kind == LogRecordKind.Network)
            .Select(r => System.Text.Json.JsonSerializer.Deserialize(r.Payload.Span, ProtocolJson.Default.NetworkReport)!).ToList();
        Assert.True(reports.Count == 2, run.ToString());
        Assert.Equal((mac, "10.0.2.15/24", "", "10.0.2.2"), (reports[0].Mac, reports[0].Address, reports[0].Gateway, reports[0].Server));
        Assert.Empty(reports[0].Nameservers);
        Assert.True(reports[0].LeaseSeconds > 0);
        Assert.Equal(("", "released 10.0.2.15/24"), (reports[1].Address, reports[1].Reason)); // DHCPRELEASE before the Exit record
    }

    [Fact]
    public async Task AMacTheVmDoesNotHaveEndsItWithExit125NamingTheNicsItHas()
    {
        (string dir, string disk) = fixture.NewRun();
        VmSpec spec = Spec("", new ProcessSpec { Args = ["true"] }) with
        {
            Interfaces = [new NetworkInterfaceSpec { Mac = "02:42:0a:59:00:09", Name = "eth0", Address = "10.89.0.9/24" }],
        };
        // A NIC with another MAC whose socket nobody connects to.
        VmResult run = await TestVm.RunAsync(dir, spec, disk, extraArgs: Nic($"socket,id=n0,listen=127.0.0.1:{FreeLoopbackPort()}", "02:42:0a:59:00:07"));
        Assert.Equal(125, run.Exit.ExitCode);
        Assert.Equal("network interface eth0: no NIC with MAC 02:42:0a:59:00:09 appeared within 5 s (NICs in the VM: eth0 02:42:0a:59:00:07)", run.Exit.Error);
        Assert.False(run.HasStarted);
    }

    [Fact]
    public async Task AnImageWhoseEtcIsNotADirectoryStillRunsAndSaysWhyItsFilesAreMissing()
    {
        string dir = Path.Combine(fixture.WorkDir, "odd-etc");
        Directory.CreateDirectory(dir);
        // Built apart from the shared base: /etc is a plain file, so no /etc/hosts or resolv.conf can be written.
        string disk = Disks.BuildBusyboxRoot(dir, "odd", root =>
        {
            Directory.Delete(Path.Combine(root, "etc"), recursive: true);
            File.WriteAllText(Path.Combine(root, "etc"), "not a directory\n");
        });
        VmSpec spec = Spec("odd", new ProcessSpec { Args = ["sh", "-c", "cat /etc; ip -4 addr show dev lo | grep inet"] }) with
        {
            Dns = new DnsSpec { Nameservers = ["10.0.0.1"] },
        };
        VmResult run = await TestVm.RunAsync(dir, spec, disk, debugConsole: true);
        ReportBootTimeline("loopback only", run);
        Assert.True(run.Exit.ExitCode == 0, run.ToString());
        Assert.Matches(@"^not a directory\n\s*inet 127\.0\.0\.1/8 scope host lo\n$", run.Stdout); // loopback is up without any interface
        string[] notes = [.. run.Records.Where(r => r.Kind == LogRecordKind.Tether).Select(r => System.Text.Encoding.UTF8.GetString(r.Payload.Span))];
        Assert.Contains("/etc in the image is not a directory: /etc/hostname, /etc/hosts and /etc/resolv.conf not written", notes);
    }

    [Fact]
    public async Task ASymlinkedResolvConfIsReplacedAndAnUnwritableHostsFileIsReported()
    {
        string dir = Path.Combine(fixture.WorkDir, "odd-files");
        Directory.CreateDirectory(dir);
        // resolv.conf pointing at a resolver stub that does not exist in the container; /etc/hosts a directory.
        string disk = Disks.BuildBusyboxRoot(dir, "odd", root =>
        {
            File.CreateSymbolicLink(Path.Combine(root, "etc", "resolv.conf"), "/run/systemd/resolve/stub-resolv.conf");
            Directory.CreateDirectory(Path.Combine(root, "etc", "hosts"));
        });
        VmSpec spec = Spec("odd", new ProcessSpec { Args = ["sh", "-c", "cat /etc/resolv.conf /etc/hostname; ls -d /etc/hosts/"] }) with
        {
            Dns = new DnsSpec { Nameservers = ["10.0.0.1"] },
        };
        VmResult run = await TestVm.RunAsync(dir, spec, disk);
        Assert.True(run.Exit.ExitCode == 0, run.ToString());
        Assert.Equal("nameserver 10.0.0.1\nodd\n/etc/hosts/\n", run.Stdout);
        string[] notes = [.. run.Records.Where(r => r.Kind == LogRecordKind.Tether).Select(r => System.Text.Encoding.UTF8.GetString(r.Payload.Span))];
        Assert.Equal(["cannot write /etc/hosts: is a directory"], notes);
    }

    /// <summary>The tether's timestamped progress lines (vic.debug console): how long its network setup took, for the report.</summary>
    private void ReportBootTimeline(string vm, VmResult result)
    {
        foreach (Match line in TetherLine().Matches(result.Console))
        {
            output.WriteLine($"VM {vm}: {line.Value.Trim()}");
        }
    }

    [GeneratedRegex(@"\[\s*[\d.]+\] vic-tether: .*")]
    private static partial Regex TetherLine();

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls /proc/net/tcp for a LISTEN socket on 127.0.0.1:<paramref name="port"/> (state 0A).</summary>
    private static async Task WaitForListenerAsync(int port, Task<VmResult> vm)
    {
        string local = "0100007F:" + port.ToString("X4", CultureInfo.InvariantCulture);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!File.ReadLines("/proc/net/tcp").Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var address, _, "0A", ..] && address == local))
        {
            if (vm.IsCompleted)
            {
                Assert.Fail($"VM A ended before listening on port {port}:\n{await vm}");
            }
            await Task.Delay(20, cts.Token);
        }
    }
}
