using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>configure, debug, resource limits and the systemd unit on a VCH of its own, with a container running
/// throughout: every change restarts the daemon, and the container must keep running and stay manageable.</summary>
public sealed class ConfigureTests(ConfiguredVch configured) : IClassFixture<ConfiguredVch>
{
    private readonly VchFixture _vch = configured.Vch;
    private static string UnitDir => ConfiguredVch.UnitDir;

    private async Task<JsonElement> InspectAsync()
    {
        var inspect = await _vch.MachineAsync("inspect", "--name", _vch.Name, "--format", "json");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        return JsonDocument.Parse(inspect.Stdout).RootElement;
    }

    private async Task<string> ConfigureOkAsync(params string[] args)
    {
        var result = await _vch.MachineAsync(["configure", "--name", _vch.Name, .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stderr;
    }

    [Fact]
    public async Task Configure_takes_effect_keeps_containers_running_and_rolls_back_a_failure()
    {
        string id = await _vch.OkAsync("run", "-d", "--name", "keeper", "busybox", "sleep", "1000");
        string qemuPid = (await Shell.RunAsync("pgrep", ["-f", id])).Stdout.Trim();
        Assert.NotEqual("", qemuPid);

        // The memory limit given at create: a container asking for more is refused with the reason.
        var tooBig = await _vch.DockerAsync("create", "-m", "2g", "busybox", "true");
        Assert.NotEqual(0, tooBig.ExitCode);
        Assert.Contains("container memory 2GiB exceeds this VCH's memory limit of 1GiB", tooBig.Stderr);

        // A container-count limit takes effect on the restarted daemon.
        await ConfigureOkAsync("--containers", "1");
        var refused = await _vch.DockerAsync("create", "busybox", "true");
        Assert.NotEqual(0, refused.ExitCode);
        // Other tests in this class may have left containers: the count varies, the limit does not.
        Assert.Contains("this VCH's container limit is reached (", refused.Stderr);
        Assert.Contains(" of 1 containers exist): remove a container or raise the limit with vic-machine configure --containers", refused.Stderr);
        Assert.Equal(1, (await InspectAsync()).GetProperty("Limits").GetProperty("Containers").GetInt32());

        // A change whose daemon cannot start is rolled back: the old daemon serves again with the old settings.
        int pidBefore = (await InspectAsync()).GetProperty("Pid").GetInt32();
        var failed = await _vch.MachineAsync("configure", "--name", _vch.Name, "--vch-binary", "/bin/false", "--containers", "5", "--timeout", "30");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("configure failed and was rolled back", failed.Stderr);
        var after = await InspectAsync();
        Assert.Equal("running", after.GetProperty("State").GetString());
        Assert.NotEqual(pidBefore, after.GetProperty("Pid").GetInt32());
        Assert.Equal(1, after.GetProperty("Limits").GetProperty("Containers").GetInt32());
        Assert.DoesNotContain("/bin/false", await File.ReadAllTextAsync(Path.Combine(_vch.Directory, "vch.json")));
        Assert.Contains("container limit is reached", (await _vch.DockerAsync("create", "busybox", "true")).Stderr);

        // Lifting the limit works, and the container kept running through three restarts, in the same VM.
        await ConfigureOkAsync("--containers", "unlimited");
        Assert.Equal(0, (await _vch.DockerAsync("create", "--name", "second", "busybox", "true")).ExitCode);
        Assert.Equal("running", await _vch.OkAsync("inspect", "-f", "{{.State.Status}}", id));
        Assert.Equal(qemuPid, (await Shell.RunAsync("pgrep", ["-f", id])).Stdout.Trim());
        await _vch.OkAsync("kill", id);
        Assert.Equal("137", await _vch.OkAsync("wait", id));
    }

    [Fact]
    public async Task Cpu_and_storage_limits_refuse_with_their_reasons()
    {
        await _vch.OkAsync("run", "-d", "busybox", "sleep", "1000");
        await ConfigureOkAsync("--cpu", "1");
        var start = await _vch.DockerAsync("run", "-d", "busybox", "sleep", "1000");
        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains("it needs 1 CPU(s) and running containers already use", start.Stderr);
        Assert.Contains("of this VCH's 1", start.Stderr);

        // The datastore already holds more than 1 MiB (layers, disks): new containers and images are refused.
        await ConfigureOkAsync("--cpu", "unlimited", "--storage-quota", "1m");
        var create = await _vch.DockerAsync("create", "busybox", "true");
        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains("this VCH's storage quota is used up", create.Stderr);
        Assert.Contains("of 1MiB", create.Stderr);
        await ConfigureOkAsync("--storage-quota", "unlimited");
        Assert.Equal(0, (await _vch.DockerAsync("create", "busybox", "true")).ExitCode);
    }

    [Fact]
    public async Task Configure_tls_names_reissues_the_server_certificate_and_keeps_clients_working()
    {
        var stderr = await ConfigureOkAsync("--tls-cname", "vch.example.test");
        Assert.Contains("reused the CA", stderr);
        Assert.Contains("generated a server certificate for vch.example.test, localhost, 127.0.0.1", stderr);
        Assert.Contains("reused the client certificate", stderr);
        // The first --tls-cname is the name clients are told to use.
        var env = (await InspectAsync()).GetProperty("Env");
        Assert.StartsWith("tcp://vch.example.test:", env.GetProperty("DOCKER_HOST").GetString());
        // The daemon listens on 127.0.0.1; a client dialling it by that address still verifies the new certificate.
        var version = await _vch.DockerOverTcpAsync(_vch.TlsEnvironment, "version", "--format", "{{.Server.Os}}");
        Assert.True(version.ExitCode == 0, version.ToString());
    }

    [Fact]
    public async Task Debug_turns_debug_logging_on_and_off()
    {
        var on = await _vch.MachineAsync("debug", "--name", _vch.Name);
        Assert.True(on.ExitCode == 0, on.ToString());
        var inspect = await InspectAsync();
        Assert.True(inspect.GetProperty("Debug").GetBoolean());
        string cmdline = await File.ReadAllTextAsync($"/proc/{inspect.GetProperty("Pid").GetInt32()}/cmdline");
        Assert.Contains("\0--debug\0", cmdline);
        Assert.Contains("Debug logging is on", on.Stdout);

        var off = await _vch.MachineAsync("debug", "--name", _vch.Name, "--off");
        Assert.True(off.ExitCode == 0, off.ToString());
        inspect = await InspectAsync();
        Assert.False(inspect.GetProperty("Debug").GetBoolean());
        Assert.DoesNotContain("--debug", await File.ReadAllTextAsync($"/proc/{inspect.GetProperty("Pid").GetInt32()}/cmdline"));
    }

    [Fact]
    public async Task Inspect_config_prints_the_create_command_and_the_systemd_unit_verifies()
    {
        var config = await _vch.MachineAsync("inspect", "config", "--name", _vch.Name);
        Assert.True(config.ExitCode == 0, config.ToString());
        string port = _vch.TcpHost[(_vch.TcpHost.LastIndexOf(':') + 1)..];
        Assert.StartsWith($"vic-machine create --name {_vch.Name} ", config.Stdout);
        Assert.Contains($"--endpoint-address 127.0.0.1 --endpoint-port {port}", config.Stdout);
        Assert.Contains("--memory 1g", config.Stdout);
        Assert.Contains($"--systemd --systemd-unit-dir {UnitDir}", config.Stdout);

        string unit = Path.Combine(UnitDir, $"vic-vch-{_vch.Name}.service");
        Assert.Contains("KillMode=process", await File.ReadAllTextAsync(unit));
        var verify = await Shell.RunAsync("systemd-analyze", ["verify", unit]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.DoesNotContain(unit, verify.Stdout + verify.Stderr);
    }
}

/// <summary>One VCH for <see cref="ConfigureTests"/>: a 1 GiB memory limit and a systemd unit in a temp directory.</summary>
public sealed class ConfiguredVch : IAsyncLifetime
{
    public static readonly string UnitDir = Path.Combine(Path.GetTempPath(), "vic-units-" + Guid.NewGuid().ToString("N")[..8]);

    public VchFixture Vch { get; } = new(["--systemd", "--systemd-unit-dir", UnitDir, "--memory", "1g"]);

    public Task InitializeAsync() => Vch.InitializeAsync();

    public async Task DisposeAsync()
    {
        await Vch.DisposeAsync();
        // delete removes the unit it wrote; the directory is the test's.
        Assert.False(File.Exists(Path.Combine(UnitDir, $"vic-vch-{Vch.Name}.service")));
        Directory.Delete(UnitDir, recursive: true);
    }
}
