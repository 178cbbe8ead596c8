using System.CommandLine;
using System.Text.Json;

namespace Vic.Machine.Tests;

/// <summary>configure on a local VCH: what each flag does to the record, and what is refused before anything changes.</summary>
public sealed class LocalConfigureTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly VchRecord _vch;

    public LocalConfigureTests()
    {
        string daemon = _temp.File("vic-vch");
        File.WriteAllText(daemon, "");
        _vch = new VchRecord
        {
            Name = "v", Created = DateTimeOffset.UnixEpoch, Directory = _temp.File("root/v"), DatastorePath = _temp.File("root/v/datastore"),
            SocketPath = _temp.File("root/v/docker.sock"), ContainerBasePath = _temp.File("base"), DaemonPath = daemon,
            EndpointAddress = "127.0.0.1", EndpointPort = 2376, CertPath = _temp.File("root/v/certs"), AdminPort = 2378,
            InsecureRegistries = ["old.test:5000"], RegistryMirrors = ["http://mirror.test"],
        };
        File.WriteAllText(_temp.File("ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        File.WriteAllText(_temp.File("not-a-ca.pem"), "hello");
    }

    public void Dispose() => _temp.Dispose();

    private LocalChange Configure(VchRecord before, params string[] args)
    {
        var settings = new SettingsOptions(creating: false);
        var networks = new Option<string[]>("--container-network");
        var dns = new Option<string[]>("--dns-server");
        var local = new LocalConfigureOptions(networks, dns);
        var command = new Command("configure") { networks, dns };
        settings.AddTo(command);
        local.AddTo(command);
        var parse = new RootCommand { command }.Parse(["configure", .. args]);
        Assert.Empty(parse.Errors);
        return local.Apply(parse, settings.Apply(parse, before), before);
    }

    private MachineException Refused(VchRecord before, params string[] args)
    {
        var error = Assert.Throws<MachineException>(() => Configure(before, args));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
        return error;
    }

    private static string Json(VchRecord vch) => JsonSerializer.Serialize(vch, MachineJson.Default.VchRecord);

    [Fact]
    public void Nothing_given_changes_nothing()
    {
        var change = Configure(_vch);
        Assert.Equal(Json(_vch), Json(change.After));
        Assert.Empty(change.CaCopies);
        Assert.Empty(change.RemovedNetworks);
    }

    [Fact]
    public void Registry_flags_replace_their_set_leave_the_others_and_an_empty_value_clears()
    {
        var after = Configure(_vch, "--insecure-registry", "a.test", "--insecure-registry", "10.0.0.0/8", "--whitelist-registry", "*.corp.test").After;
        Assert.Equal(["a.test", "10.0.0.0/8"], after.InsecureRegistries);
        Assert.Equal(["*.corp.test"], after.WhitelistRegistries);
        Assert.Equal(["http://mirror.test"], after.RegistryMirrors);

        var cleared = Configure(after, "--registry-mirror", "", "--insecure-registry", "").After;
        Assert.Empty(cleared.RegistryMirrors);
        Assert.Empty(cleared.InsecureRegistries);
        Assert.Equal(["*.corp.test"], cleared.WhitelistRegistries);
        Assert.Equal(["--whitelist-registry", "*.corp.test"], DaemonCommandLine.For(cleared).SkipWhile(a => a != "--whitelist-registry").Take(2));
    }

    [Fact]
    public void Proxies_are_set_reach_the_daemon_masked_in_inspect_and_cleared_by_an_empty_value()
    {
        var after = Configure(_vch, "--https-proxy", "http://u:secret@proxy.test:3128", "--no-proxy", "10.0.0.0/8, .corp.test").After;
        Assert.Equal("http://u:secret@proxy.test:3128", after.HttpsProxy);
        Assert.Null(after.HttpProxy);
        Assert.Equal(["10.0.0.0/8", ".corp.test"], after.NoProxy);
        var daemon = DaemonCommandLine.For(after);
        Assert.Equal(["--https-proxy", "http://u:secret@proxy.test:3128"], daemon.SkipWhile(a => a != "--https-proxy").Take(2));
        Assert.Equal(["--no-proxy", "10.0.0.0/8,.corp.test"], daemon.SkipWhile(a => a != "--no-proxy").Take(2));
        Assert.DoesNotContain("--http-proxy", daemon);
        Assert.Equal("http://u:xxxxx@proxy.test:3128/", Commands.MaskedProxy(after.HttpsProxy));

        var cleared = Configure(after, "--https-proxy", "").After;
        Assert.Null(cleared.HttpsProxy);
        Assert.Equal(["10.0.0.0/8", ".corp.test"], cleared.NoProxy);
    }

    [Theory]
    [InlineData("invalid --https-proxy \"socks5://p.test:1080\"", "--https-proxy", "socks5://p.test:1080")]
    [InlineData("invalid --no-proxy entry \"http://x.test\"", "--no-proxy", "http://x.test")]
    [InlineData("invalid registry \"http://a.test\" (--insecure-registry)", "--insecure-registry", "http://a.test")]
    [InlineData("invalid --registry-mirror \"ftp://m.test\"", "--registry-mirror", "ftp://m.test")]
    [InlineData("--registry-mirror \"\" clears the set and goes alone", "--registry-mirror", "", "--registry-mirror", "http://m.test")]
    [InlineData("not a PEM certificate file", "--registry-ca", "NOTCA")]
    [InlineData("invalid --dns-server \"resolver.test\": give an IP address", "--dns-server", "resolver.test")]
    [InlineData("--admin-port and --no-admin contradict each other", "--admin-port", "2390", "--no-admin")]
    [InlineData("no such network interface vicnobr0", "--container-network", "vicnobr0:lan", "--container-network-gateway", "vicnobr0:10.9.0.1/24")]
    [InlineData("a static range needs the network's gateway", "--container-network", "vicnobr0:lan", "--container-network-ip-range", "vicnobr0:10.9.0.10-10.9.0.20")]
    [InlineData("no such network interface vicnobr0", "--container-network", "vicnobr0:lan")]
    public void Bad_values_are_refused_as_invalid_arguments(string message, params string[] args)
    {
        var error = Refused(_vch, args.Select(a => a == "NOTCA" ? _temp.File("not-a-ca.pem") : a).ToArray());
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Registry_cas_are_copied_by_content_into_the_vch()
    {
        var change = Configure(_vch, "--registry-ca", _temp.File("ca.pem"), "--registry-ca", _temp.File("ca.pem"));
        var copy = Assert.Single(change.CaCopies);
        Assert.StartsWith(Path.Combine(_vch.Directory, "registry-ca") + "/", copy.Key);
        Assert.Equal(File.ReadAllBytes(_temp.File("ca.pem")), copy.Value);
        Assert.Equal([copy.Key], change.After.RegistryCaFiles);
        Assert.False(File.Exists(copy.Key)); // Apply only plans: the copy is written by the reconfiguration
    }

    [Fact]
    public void Dns_servers_are_addresses_once_each_and_reach_daemon_and_inspect_config()
    {
        var after = Configure(_vch, "--dns-server", "10.0.0.2", "--dns-server", "10.0.0.2", "--dns-server", "2001:db8::53").After;
        Assert.Equal(["10.0.0.2", "2001:db8::53"], after.DnsServers);
        Assert.Equal(["--dns-server", "10.0.0.2", "--dns-server", "2001:db8::53"], DaemonCommandLine.For(after).SkipWhile(a => a != "--dns-server"));
        Assert.Contains("--dns-server 10.0.0.2 --dns-server 2001:db8::53", CreateCommandLine.ShellJoin(CreateCommandLine.For(after, _temp.File("root"))));
        Assert.Empty(Configure(after, "--dns-server", "").After.DnsServers);
    }

    [Fact]
    public void A_store_may_be_added_when_every_existing_one_is_given_again()
    {
        string implicitDefault = Path.Combine(_vch.DatastorePath, "volumes") + ":default";
        var missing = Refused(_vch, "--volume-store", "/srv/fast:fast");
        Assert.Contains($"volume store \"default\" ({Path.Combine(_vch.DatastorePath, "volumes")}) is missing: stores can be added but not removed; give it again with --volume-store {implicitDefault}", missing.Message);

        var after = Configure(_vch, "--volume-store", implicitDefault, "--volume-store", "/srv/fast:fast").After;
        Assert.Equal([implicitDefault, "/srv/fast:fast"], after.VolumeStores);
        Assert.Contains($"--volume-store {implicitDefault} --volume-store /srv/fast:fast", CreateCommandLine.ShellJoin(CreateCommandLine.For(after, _temp.File("root"))));

        // Giving the implicit store alone keeps it implicit: nothing changes.
        Assert.Equal(Json(_vch), Json(Configure(_vch, "--volume-store", implicitDefault).After));
    }

    [Fact]
    public void A_store_cannot_be_moved_dropped_or_share_a_directory()
    {
        var vch = _vch with { VolumeStores = ["/srv/a:default", "/srv/b:fast"] };
        Assert.Contains("volume store \"default\" is at /srv/a and cannot be moved to /srv/c", Refused(vch, "--volume-store", "/srv/c:default", "--volume-store", "/srv/b:fast").Message);
        Assert.Contains("volume store \"fast\" (/srv/b) is missing", Refused(vch, "--volume-store", "/srv/a:default").Message);
        Assert.Contains("volume stores fast and slow share the directory /srv/b", Refused(vch, "--volume-store", "/srv/a:default", "--volume-store", "/srv/b:fast", "--volume-store", "/srv/b/:slow").Message);
        Assert.Contains("expected [shared:]<directory>:<label>", Refused(vch, "--volume-store", "/srv/a").Message);
    }

    [Fact]
    public void Dropped_container_networks_are_named_and_their_users_found()
    {
        var vch = _vch with
        {
            ContainerNetworks = ["br0:lan", "netns/br1"],
            ContainerNetworkGateways = ["br0:10.0.0.1/24", "netns/br1:10.1.0.1/24"],
            ContainerNetworkDns = ["br0:10.0.0.53"],
        };
        var change = Configure(vch, "--container-network", "");
        Assert.Empty(change.After.ContainerNetworks);
        Assert.Empty(change.After.ContainerNetworkGateways);
        Assert.Empty(change.After.ContainerNetworkDns);
        Assert.Equal(["lan", "br1"], change.RemovedNetworks);

        ContainerSummary On(string name, params string[] networks) => new("id-" + name, ["/" + name], "exited")
        {
            NetworkSettings = new ContainerNetworks(networks.ToDictionary(n => n, _ => JsonDocument.Parse("{}").RootElement)),
        };
        var users = ConfigureCommand.NetworkUsers([On("web", "lan", "bridge"), On("db", "bridge"), On("cache", "lan")], change.RemovedNetworks);
        Assert.Equal(["web", "cache"], Assert.Single(users, u => u.Key == "lan").Value);
        Assert.DoesNotContain("br1", users.Keys);
    }

    [Fact]
    public void Vicadmin_can_be_turned_off_or_moved()
    {
        Assert.Null(Configure(_vch, "--no-admin").After.AdminPort);
        var moved = Configure(_vch, "--admin-port", "2390");
        Assert.Equal(2390, moved.After.AdminPort);
        Assert.True(moved.AdminPortGiven);
        Assert.Contains("--admin-port 2390", CreateCommandLine.ShellJoin(CreateCommandLine.For(moved.After, _temp.File("root"))));
    }

    [Fact]
    public void Vicadmin_port_of_the_running_daemon_is_not_probed_but_the_docker_port_is_refused()
    {
        var store = new VchStore(_temp.File("root"));
        // The daemon holds 2378 itself: an unchanged port is not probed (it would be "in use").
        Assert.Equal(2378, AdminSetup.Validate(_vch, false, store, _vch).AdminPort);
        var clash = Assert.Throws<MachineException>(() => AdminSetup.Validate(_vch with { AdminPort = 2376 }, true, store, _vch));
        Assert.Equal(ExitCodes.Conflict, clash.ExitCode);
        Assert.Contains("is the Docker endpoint's port", clash.Message);
    }
}
