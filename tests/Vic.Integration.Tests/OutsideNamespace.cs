namespace Vic.Integration.Tests;

/// <summary>
/// "Outside" for the outbound tests: a namespace the test makes, joined to the host by a veth pair whose host end is
/// 10.234.0.1/30, so the host has a route to it (as it would to the internet) and nothing leaves the machine. It runs
/// a busybox httpd on 10.234.0.2:8080 (its CGI prints the client's address) and, when asked, a UDP echo server on
/// <see cref="UdpEchoPort"/> that names the sender, and dnsmasq on port 53 answering <see cref="DnsName"/>. It answers ping
/// itself (its kernel). The tools it builds are in <see cref="ToolsDirectory"/>, for containers to bind-mount.
/// </summary>
internal sealed class OutsideNamespace : IAsyncDisposable
{
    public const string HostAddress = "10.234.0.1";
    public const string ServerAddress = "10.234.0.2";
    public const int UdpEchoPort = 7777;
    public const string DnsName = "outside.test";
    private readonly string _name = "vicout-" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _root = Directory.CreateTempSubdirectory("vic-outside").FullName;
    private readonly List<System.Diagnostics.Process> _servers = [];

    private string HostLink => "vo" + _name[^6..];

    /// <summary>Static udpecho and udpclient (tests/Vic.Integration.Tests/Tools), with <c>udp: true</c>.</summary>
    public string ToolsDirectory => Path.Combine(_root, "tools");

    public static async Task<OutsideNamespace> StartAsync(bool udp = false)
    {
        var outside = new OutsideNamespace();
        try
        {
            await outside.SetUpAsync(udp);
            return outside;
        }
        catch
        {
            await outside.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync(bool udp)
    {
        Directory.CreateDirectory(Path.Combine(_root, "cgi-bin"));
        await File.WriteAllTextAsync(Path.Combine(_root, "index.html"), "outside-index\n");
        string cgi = Path.Combine(_root, "cgi-bin", "peer");
        await File.WriteAllTextAsync(cgi, "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' \"$REMOTE_ADDR\"\n");
        Assert.Equal(0, (await Shell.RunAsync("chmod", ["755", cgi])).ExitCode);
        await IpAsync("netns", "add", _name);
        await IpAsync("link", "add", HostLink, "type", "veth", "peer", "name", "eth0", "netns", _name);
        await IpAsync("addr", "add", HostAddress + "/30", "dev", HostLink);
        await IpAsync("link", "set", HostLink, "up");
        await IpAsync("-n", _name, "addr", "add", ServerAddress + "/30", "dev", "eth0");
        await IpAsync("-n", _name, "link", "set", "eth0", "up");
        await IpAsync("-n", _name, "link", "set", "lo", "up");
        Start("busybox", "httpd", "-f", "-p", ServerAddress + ":8080", "-h", _root);
        if (udp)
        {
            Directory.CreateDirectory(ToolsDirectory);
            foreach (string tool in new[] { "udpecho", "udpclient" })
            {
                var built = await Shell.RunAsync("clang", ["-static", "-O2", "-o", Path.Combine(ToolsDirectory, tool),
                    Path.Combine(RepoPaths.Root, "tests", "Vic.Integration.Tests", "Tools", tool + ".c")]);
                Assert.True(built.ExitCode == 0, built.Stderr);
            }
            Start(Path.Combine(ToolsDirectory, "udpecho"), UdpEchoPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "peer");
            Start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
                "--listen-address=" + ServerAddress, "--pid-file=", "--host-record=" + DnsName + "," + ServerAddress);
        }
        await Eventually.ThatAsync(async () =>
        {
            var probe = await Shell.RunAsync("curl", ["-s", "--noproxy", "*", "--max-time", "2", $"http://{ServerAddress}:8080/index.html"]);
            return probe.ExitCode == 0;
        }, "the outside httpd answers the host", TimeSpan.FromSeconds(20));
        if (udp)
        {
            await Eventually.ThatAsync(async () =>
            {
                var probe = await Shell.RunAsync(Path.Combine(ToolsDirectory, "udpclient"), [ServerAddress, UdpEchoPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "probe"]);
                return probe.ExitCode == 0;
            }, "the outside UDP echo server answers the host", TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>A server inside the namespace, killed on dispose.</summary>
    private void Start(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ip", ["netns", "exec", _name, program, .. args])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = System.Diagnostics.Process.Start(start)!;
        // Drained so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _servers.Add(process);
    }

    private static async Task IpAsync(params string[] args)
    {
        var result = await Shell.RunAsync("ip", args);
        Assert.True(result.ExitCode == 0, $"ip {string.Join(' ', args)}: {result.Stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
        await Shell.RunAsync("ip", ["link", "del", HostLink]);
        await Shell.RunAsync("ip", ["netns", "del", _name]);
        Directory.Delete(_root, recursive: true);
    }
}
