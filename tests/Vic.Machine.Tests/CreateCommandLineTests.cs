using System.CommandLine;
using System.Text.Json;
using Vic.Machine.Tls;

namespace Vic.Machine.Tests;

/// <summary><c>inspect config</c> prints a create command line; parsing that line must give back the same VCH.</summary>
public sealed class CreateCommandLineTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly string _base;
    private readonly string _daemon;

    public CreateCommandLineTests()
    {
        _base = _temp.File("base");
        Directory.CreateDirectory(_base);
        File.WriteAllText(Path.Combine(_base, "vmlinuz"), "");
        File.WriteAllText(Path.Combine(_base, "initramfs.cpio"), "");
        _daemon = _temp.File("vic vch"); // a space, to prove the quoting
        File.WriteAllText(_daemon, "");
        File.WriteAllText(_temp.File("ca.pem"), "");
        File.WriteAllText(_temp.File("s.pem"), "");
        File.WriteAllText(_temp.File("s.key"), "");
    }

    public void Dispose() => _temp.Dispose();

    private VchRecord Parse(IReadOnlyList<string> args)
    {
        var create = new CreateCommand();
        var root = new RootCommand { Commands.RootOption, Commands.DebugOption };
        root.Subcommands.Add(create.Build());
        Assert.Equal("vic-machine", args[0]);
        var parse = root.Parse(args.Skip(1).ToArray());
        Assert.Empty(parse.Errors);
        return create.ReadRecord(parse, new VchStore(parse.GetValue(Commands.RootOption)!), Now);
    }

    private static string Json(VchRecord vch) => JsonSerializer.Serialize(vch, MachineJson.Default.VchRecord);

    [Theory]
    [InlineData("--endpoint-port", "2399")]
    [InlineData("--endpoint-address", "0.0.0.0", "--endpoint-port", "2376", "--tls-cname", "vch.example.test", "--tls-cname", "10.0.0.5", "--containers", "5", "--memory", "1536m", "--cpu", "4", "--storage-quota", "20g")]
    [InlineData("--endpoint-port", "2400", "--no-tlsverify", "--accelerator", "tcg", "--systemd", "--systemd-unit-dir", "/tmp/units")]
    [InlineData("--endpoint-port", "2401", "--no-tls")]
    [InlineData("--endpoint-port", "2404", "--admin-port", "2390")]
    [InlineData("--endpoint-port", "2405", "--no-admin")]
    [InlineData("--endpoint-port", "2403", "--volume-store", "/srv/vols:default", "--volume-store", "/mnt/fast:fast")]
    [InlineData("--endpoint-port", "2406", "--dns-server", "10.0.0.2", "--dns-server", "192.0.2.53", "--insecure-registry", "reg.test:5000", "--registry-mirror", "https://mirror.test")]
    [InlineData("--endpoint-port", "2407", "--http-proxy", "http://u:p@proxy.test:3128", "--https-proxy", "http://proxy.test:3129", "--no-proxy", "10.0.0.0/8,.corp.test", "--volume-store", "shared:/srv/team:team")]
    [InlineData("--endpoint-port", "2402", "--tls-ca", "CA", "--tls-server-cert", "SCERT", "--tls-server-key", "SKEY", "--tls-cert-path", "/tmp/elsewhere/certs")]
    public void Inspect_config_reproduces_the_vch(params string[] settings)
    {
        string[] args =
        [
            "vic-machine", "--root", _temp.File("root"), "create", "--name", "web", "--container-base", _base, "--vch-binary", _daemon,
            .. settings.Select(s => s switch { "CA" => _temp.File("ca.pem"), "SCERT" => _temp.File("s.pem"), "SKEY" => _temp.File("s.key"), _ => s }),
        ];
        var original = Parse(args);
        var printed = CreateCommandLine.For(original, "/var/lib/vic");
        Assert.Equal(Json(original), Json(Parse(printed)));
    }

    [Fact]
    public void Defaults_are_mutual_tls_on_loopback_port_2376_with_certs_in_the_vch_directory()
    {
        var vch = Parse(["vic-machine", "--root", _temp.File("root"), "create", "--name", "d", "--container-base", _base, "--vch-binary", _daemon]);
        Assert.Equal("127.0.0.1", vch.EndpointAddress);
        Assert.Equal(2376, vch.EndpointPort);
        Assert.Equal(TlsMode.Verify, vch.TlsMode);
        Assert.Equal(Path.Combine(_temp.File("root"), "d", "certs"), vch.CertPath);
        Assert.Equal("tcp://127.0.0.1:2376", vch.DockerHost);
        Assert.Equal(new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = "tcp://127.0.0.1:2376", ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = vch.CertPath!,
        }, vch.ClientEnvironment);
        Assert.Equal(2375, Parse(["vic-machine", "--root", _temp.File("root"), "create", "--name", "d", "--container-base", _base, "--vch-binary", _daemon, "--no-tls"]).EndpointPort);
    }

    [Theory]
    [InlineData("invalid --endpoint-address \"nowhere\"", "--endpoint-address", "nowhere")]
    [InlineData("contradict", "--no-tls", "--no-tlsverify")]
    [InlineData("invalid --tls-cname \"bad name\"", "--tls-cname", "bad name")]
    [InlineData("no effect with --no-tls", "--no-tls", "--tls-cname", "a.test")]
    [InlineData("go together", "--tls-server-cert", "/etc/hostname")]
    [InlineData("invalid --memory \"lots\"", "--memory", "lots")]
    [InlineData("invalid --containers \"0\"", "--containers", "0")]
    [InlineData("invalid --endpoint-port 70000", "--endpoint-port", "70000")]
    [InlineData("--tls-ca /nonexistent/ca.pem: no such file", "--tls-ca", "/nonexistent/ca.pem")]
    [InlineData("--volume-store \"/srv/vols\": expected [shared:]<directory>:<label>", "--volume-store", "/srv/vols")]
    [InlineData("--volume-store: label \"a\" is given twice", "--volume-store", "/x:a", "--volume-store", "/y:a")]
    [InlineData("the label may hold letters", "--volume-store", "/x:a b")]
    public void Bad_settings_are_refused_as_invalid_arguments(string message, params string[] settings)
    {
        var error = Assert.Throws<MachineException>(() =>
            Parse(["vic-machine", "--root", _temp.File("root"), "create", "--name", "x", "--container-base", _base, "--vch-binary", _daemon, .. settings]));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
        Assert.Contains(message, error.Message);
        Assert.False(Directory.Exists(_temp.File("root")));
    }

    [Theory]
    [InlineData("--bridge-network-range \"10.0.0.0/24\": expected an IPv4 CIDR", "--bridge-network-range", "10.0.0.0/24")]
    [InlineData("a static range needs the network's gateway (--container-network-gateway lo:<address/prefix>)", "--container-network", "lo:lan", "--container-network-ip-range", "lo:10.9.0.10-10.9.0.20")]
    // Without gateway and range the network is a DHCP network: only the bridge itself is checked.
    [InlineData("lo is not a Linux bridge", "--container-network", "lo:lan")]
    [InlineData("lo is not a Linux bridge", "--container-network", "lo:lan", "--container-network-gateway", "lo:10.9.0.1/24")]
    [InlineData("\"br9:10.9.0.1/24\": br9 is not a --container-network bridge", "--container-network-gateway", "br9:10.9.0.1/24")]
    public void Bad_network_settings_are_refused_before_anything_is_made(string message, params string[] settings)
    {
        var error = Assert.Throws<MachineException>(() =>
            Parse(["vic-machine", "--root", _temp.File("root"), "create", "--name", "x", "--container-base", _base, "--vch-binary", _daemon, .. settings]));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
        Assert.Contains(message, error.Message);
        Assert.False(Directory.Exists(_temp.File("root")));
    }

    [Fact]
    public void The_bridge_range_reaches_the_daemon_and_inspect_config()
    {
        string[] args = ["vic-machine", "--root", _temp.File("root"), "create", "--name", "v", "--container-base", _base, "--vch-binary", _daemon,
            "--bridge-network-range", "10.128.0.0/9"];
        var vch = Parse(args);
        Assert.Equal("10.128.0.0/9", vch.BridgeNetworkRange);
        Assert.Equal(["--bridge-network-range", "10.128.0.0/9"], DaemonCommandLine.For(vch).SkipWhile(a => a != "--bridge-network-range").Take(2));
        Assert.Equal(["--bridge-network-range", "10.128.0.0/9"], CreateCommandLine.For(vch, _temp.File("root")).SkipWhile(a => a != "--bridge-network-range").Take(2));
    }

    [Fact]
    public void Volume_stores_are_absolute_and_reach_the_daemon_command_line()
    {
        var vch = Parse(["vic-machine", "--root", _temp.File("root"), "create", "--name", "v", "--container-base", _base, "--vch-binary", _daemon,
            "--volume-store", "rel/vols:default", "--volume-store", "/srv/a:b:fast"]);
        Assert.Equal([Path.GetFullPath("rel/vols") + ":default", "/srv/a:b:fast"], vch.VolumeStores);
        var daemon = DaemonCommandLine.For(vch);
        Assert.Equal(["--volume-store", Path.GetFullPath("rel/vols") + ":default", "--volume-store", "/srv/a:b:fast"],
            daemon.SkipWhile(a => a != "--volume-store").Take(4));
    }

    [Fact]
    public void Shell_quoting_survives_spaces_and_quotes()
    {
        Assert.Equal("vic-machine create --name 'a b' 'it'\\''s'", CreateCommandLine.ShellJoin(["vic-machine", "create", "--name", "a b", "it's"]));
    }
}
