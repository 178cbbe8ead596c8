using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Vic.Machine.Tls;

namespace Vic.Machine.Tests;

/// <summary>vicadmin in vic-machine: the port checked before anything is written, the token file, the daemon's arguments.</summary>
public sealed class AdminSetupTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private VchRecord Record(int? adminPort, int endpointPort = 2376, TlsMode tls = TlsMode.Verify, string name = "a") => new()
    {
        Name = name,
        Created = DateTimeOffset.UnixEpoch,
        Directory = Path.Combine(_temp.File("root"), name),
        DatastorePath = Path.Combine(_temp.File("root"), name, "datastore"),
        SocketPath = Path.Combine(_temp.File("root"), name, "docker.sock"),
        ContainerBasePath = "/base",
        DaemonPath = "/vic-vch",
        EndpointAddress = "127.0.0.1",
        EndpointPort = endpointPort,
        TlsMode = tls,
        CertPath = tls == TlsMode.Off ? null : Path.Combine(_temp.File("root"), name, "certs"),
        AdminPort = adminPort,
    };

    private VchStore Store => new(_temp.File("root"));

    [Fact]
    public void The_token_is_256_random_bits_in_a_file_only_its_owner_reads()
    {
        string file = _temp.File("admin-token");
        AdminSetup.WriteToken(file);
        string first = File.ReadAllText(file).Trim();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Matches("^[A-Za-z0-9_-]{43}$", first);
        AdminSetup.WriteToken(file);
        Assert.NotEqual(first, File.ReadAllText(file).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public void Port_0_becomes_a_free_port_other_than_the_docker_endpoints()
    {
        var vch = AdminSetup.Validate(Record(0, endpointPort: 40000), portGiven: true, Store);
        Assert.NotNull(vch.AdminPort);
        Assert.NotEqual(0, vch.AdminPort);
        Assert.NotEqual(40000, vch.AdminPort);
        Assert.Equal($"https://127.0.0.1:{vch.AdminPort}/", vch.AdminUrl);
    }

    [Fact]
    public void A_port_in_use_is_refused_before_anything_is_written()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        var error = Assert.Throws<MachineException>(() => AdminSetup.Validate(Record(port, endpointPort: 0), portGiven: true, Store));
        Assert.Equal(ExitCodes.Conflict, error.ExitCode);
        Assert.Contains("--admin-port", error.Message);
        Assert.False(Directory.Exists(_temp.File("root")));
    }

    [Fact]
    public void The_docker_endpoints_port_or_another_vchs_ports_are_refused()
    {
        Assert.Equal(ExitCodes.Conflict, Assert.Throws<MachineException>(() => AdminSetup.Validate(Record(2376), portGiven: true, Store)).ExitCode);
        Store.Save(Record(45000, endpointPort: 45001, name: "other"));
        foreach (int taken in new[] { 45000, 45001 })
        {
            var error = Assert.Throws<MachineException>(() => AdminSetup.Validate(Record(taken, endpointPort: 2376), portGiven: true, Store));
            Assert.Contains("VCH other already uses port", error.Message);
        }
    }

    [Fact]
    public void Without_tls_there_is_no_vicadmin_and_asking_for_one_is_refused()
    {
        Assert.Null(AdminSetup.Validate(Record(AdminSetup.DefaultPort, tls: TlsMode.Off), portGiven: false, Store).AdminPort);
        var error = Assert.Throws<MachineException>(() => AdminSetup.Validate(Record(2390, tls: TlsMode.Off), portGiven: true, Store));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
    }

    [Fact]
    public void The_daemon_gets_the_port_token_file_config_and_log_or_no_admin()
    {
        var vch = Record(2390);
        var args = DaemonCommandLine.For(vch);
        Assert.Equal(["--admin-port", "2390", "--admin-token-file", vch.AdminTokenFile, "--admin-config-file", Path.Combine(vch.Directory, "vch.json")],
            args.SkipWhile(a => a != "--admin-port").Take(6));
        Assert.Equal(vch.LogFile, args.SkipWhile(a => a != "--log-file").Skip(1).First());
        Assert.Contains("--no-admin", DaemonCommandLine.For(Record(null)));
        Assert.DoesNotContain("--admin-port", DaemonCommandLine.For(Record(null)));
    }

    [Fact]
    public void Inspect_shows_the_url_and_token_file_only_when_vicadmin_is_on()
    {
        var on = Commands.View(Record(2390));
        Assert.Equal("https://127.0.0.1:2390/", on.AdminUrl);
        Assert.Equal(Path.Combine(_temp.File("root"), "a", "admin-token"), on.AdminTokenFile);
        var off = Commands.View(Record(null));
        Assert.Null(off.AdminUrl);
        Assert.Null(off.AdminTokenFile);
    }

    [Theory]
    [InlineData(new string[0], 2378)]
    [InlineData(new[] { "--endpoint-port", "0" }, 0)]
    [InlineData(new[] { "--endpoint-port", "0", "--admin-port", "2390" }, 2390)]
    [InlineData(new[] { "--endpoint-port", "2399" }, 2378)]
    public void The_admin_port_is_2378_unless_named_or_the_endpoint_port_is_picked_free(string[] settings, int expected)
    {
        var (create, parse) = ParseCreate(settings);
        Assert.Equal(expected, create.ReadRecord(parse, new VchStore(_temp.File("root")), DateTimeOffset.UnixEpoch).AdminPort);
    }

    private (CreateCommand, ParseResult) ParseCreate(string[] settings)
    {
        string @base = _temp.File("base");
        Directory.CreateDirectory(@base);
        File.WriteAllText(Path.Combine(@base, "vmlinuz"), "");
        File.WriteAllText(Path.Combine(@base, "initramfs.cpio"), "");
        File.WriteAllText(_temp.File("vch"), "");
        var create = new CreateCommand();
        var root = new RootCommand { Commands.RootOption, Commands.DebugOption };
        root.Subcommands.Add(create.Build());
        return (create, root.Parse(["--root", _temp.File("root"), "create", "--container-base", @base, "--vch-binary", _temp.File("vch"), .. settings]));
    }

    [Fact]
    public void Admin_port_and_no_admin_contradict()
    {
        string @base = _temp.File("base");
        Directory.CreateDirectory(@base);
        File.WriteAllText(Path.Combine(@base, "vmlinuz"), "");
        File.WriteAllText(Path.Combine(@base, "initramfs.cpio"), "");
        File.WriteAllText(_temp.File("vch"), "");
        var create = new CreateCommand();
        var root = new RootCommand { Commands.RootOption, Commands.DebugOption };
        root.Subcommands.Add(create.Build());
        var parse = root.Parse(["--root", _temp.File("root"), "create", "--container-base", @base, "--vch-binary", _temp.File("vch"), "--admin-port", "2390", "--no-admin"]);
        var error = Assert.Throws<MachineException>(() => create.ReadRecord(parse, new VchStore(_temp.File("root")), DateTimeOffset.UnixEpoch));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
        Assert.Contains("contradict", error.Message);
    }
}
