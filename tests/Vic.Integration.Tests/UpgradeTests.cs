using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>
/// configure of registries, DNS and volume stores, refusals that change nothing, and upgrade / rollback with containers
/// running, on one VCH. The "other build" an upgrade switches to is a copy of out/vch with one extra file: the same
/// code, but different contents, so a different release (the stamp is a hash of the files).
/// </summary>
public sealed class UpgradeTests(UpgradedVch fixture) : IClassFixture<UpgradedVch>
{
    private readonly VchFixture _vch = fixture.Vch;

    private string VchJson => Path.Combine(_vch.Directory, "vch.json");

    private async Task<JsonElement> InspectAsync()
    {
        var inspect = await _vch.MachineAsync("inspect", "--name", _vch.Name, "--format", "json");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        return JsonDocument.Parse(inspect.Stdout).RootElement;
    }

    private async Task<string> DaemonCommandLineAsync() =>
        (await File.ReadAllTextAsync($"/proc/{(await InspectAsync()).GetProperty("Pid").GetInt32()}/cmdline")).Replace('\0', ' ');

    private async Task<string> QemuPidAsync(string id)
    {
        string pid = (await Shell.RunAsync("pgrep", ["-f", id])).Stdout.Trim();
        Assert.NotEqual("", pid);
        return pid;
    }

    /// <summary>vic-machine with VIC_VCH_BINARY naming another build's daemon (vic-machine installs what it would create with).</summary>
    private Task<CommandResult> MachineWithDaemonAsync(string daemon, params string[] args) =>
        Shell.RunAsync(RepoPaths.Machine, args, new Dictionary<string, string> { ["VIC_HOME"] = _vch.Root, ["VIC_VCH_BINARY"] = daemon },
            timeout: TimeSpan.FromSeconds(180));

    [Fact]
    public async Task Registries_dns_and_a_new_volume_store_take_effect_in_docker_info_and_inspect_config()
    {
        string fast = Path.Combine(_vch.Root, "fast-store");
        string implicitDefault = Path.Combine(_vch.DatastorePath, "volumes") + ":default";
        var configured = await _vch.MachineAsync("configure", "--name", _vch.Name, "--insecure-registry", "reg.example.test:5000",
            "--registry-mirror", "http://127.0.0.1:1", "--dns-server", "192.0.2.53", "--volume-store", implicitDefault, "--volume-store", fast + ":fast");
        Assert.True(configured.ExitCode == 0, configured.ToString());

        string info = await _vch.OkAsync("info");
        Assert.Contains("reg.example.test:5000", info);
        Assert.Contains("http://127.0.0.1:1/", info);
        Assert.Contains($"VolumeStore: fast: {fast}", info);
        Assert.Contains($"VolumeStore: default: {Path.Combine(_vch.DatastorePath, "volumes")}", info);
        Assert.Contains(" --dns-server 192.0.2.53 ", await DaemonCommandLineAsync());
        var config = await _vch.MachineAsync("inspect", "config", "--name", _vch.Name);
        Assert.Contains($"--insecure-registry reg.example.test:5000 --registry-mirror http://127.0.0.1:1 --volume-store {implicitDefault} --volume-store {fast}:fast", config.Stdout);
        Assert.Contains("--dns-server 192.0.2.53", config.Stdout);

        // The new store holds a volume a container uses.
        Assert.Equal("quick", await _vch.OkAsync("volume", "create", "--opt", "VolumeStore=fast", "quick"));
        Assert.Equal("fast", await _vch.OkAsync("volume", "inspect", "-f", "{{index .Status \"VolumeStore\"}}", "quick"));
        Assert.NotEmpty(Directory.GetFileSystemEntries(fast));
        Assert.Equal("", await _vch.OkAsync("run", "--rm", "-v", "quick:/q", "busybox", "sh", "-c", "echo hi > /q/f"));
        Assert.Equal("hi", await _vch.OkAsync("run", "--rm", "-v", "quick:/q", "busybox", "cat", "/q/f"));

        // An empty value clears a set.
        var cleared = await _vch.MachineAsync("configure", "--name", _vch.Name, "--registry-mirror", "");
        Assert.True(cleared.ExitCode == 0, cleared.ToString());
        Assert.DoesNotContain("Registry Mirrors:", await _vch.OkAsync("info"));
        Assert.Contains("reg.example.test:5000", await _vch.OkAsync("info"));
    }

    [Fact]
    public async Task A_refused_configure_changes_nothing()
    {
        byte[] record = await File.ReadAllBytesAsync(VchJson);
        int pid = (await InspectAsync()).GetProperty("Pid").GetInt32();
        string stores = string.Join(',', (await InspectAsync()).GetProperty("Settings").GetProperty("VolumeStores").EnumerateArray().Select(s => s.GetString()));

        var moved = await _vch.MachineAsync("configure", "--name", _vch.Name, "--volume-store", Path.Combine(_vch.Root, "elsewhere") + ":default", "--insecure-registry", "x.test");
        Assert.Equal(2, moved.ExitCode);
        Assert.Contains("volume store \"default\"", moved.Stderr);
        var bridge = await _vch.MachineAsync("configure", "--name", _vch.Name, "--container-network", "vicnobr0:lan", "--container-network-gateway", "vicnobr0:10.9.0.1/24");
        Assert.Equal(2, bridge.ExitCode);
        Assert.Contains("no such network interface vicnobr0", bridge.Stderr);
        var ca = await _vch.MachineAsync("configure", "--name", _vch.Name, "--registry-ca", "/nonexistent/ca.pem", "--containers", "3");
        Assert.Equal(2, ca.ExitCode);
        Assert.Contains("--registry-ca /nonexistent/ca.pem: not a PEM certificate file", ca.Stderr);

        Assert.Equal(record, await File.ReadAllBytesAsync(VchJson));
        var after = await InspectAsync();
        Assert.Equal(pid, after.GetProperty("Pid").GetInt32());
        Assert.Equal(stores, string.Join(',', after.GetProperty("Settings").GetProperty("VolumeStores").EnumerateArray().Select(s => s.GetString())));
        Assert.False(Directory.Exists(Path.Combine(_vch.Root, "elsewhere")));
    }

    [Fact]
    public async Task Upgrade_keeps_a_running_container_in_its_vm_and_managed_and_rollback_switches_back()
    {
        string release = (await InspectAsync()).GetProperty("Settings").GetProperty("Release").GetString()!;
        var same = await _vch.MachineAsync("upgrade", "--name", _vch.Name);
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Contains($"already runs release {release}: nothing to upgrade", same.Stderr);

        string id = await _vch.OkAsync("run", "-d", "busybox", "sh", "-c", "echo before; sleep 1000");
        string qemu = await QemuPidAsync(id);
        var upgraded = await MachineWithDaemonAsync(UpgradedVch.OtherBuild, "upgrade", "--name", _vch.Name, "--format", "json");
        Assert.True(upgraded.ExitCode == 0, upgraded.ToString());
        Assert.Contains("its containers keep running", upgraded.Stderr);
        var settings = JsonDocument.Parse(upgraded.Stdout).RootElement.GetProperty("Settings");
        string newRelease = settings.GetProperty("Release").GetString()!;
        Assert.NotEqual(release, newRelease);
        Assert.Equal(release, settings.GetProperty("RollbackRelease").GetString());
        Assert.Contains(Path.Combine(_vch.Directory, "releases", newRelease, "vch", "vic-vch"), await DaemonCommandLineAsync());

        // The same VM, listed, and manageable by the new daemon.
        Assert.Equal(qemu, await QemuPidAsync(id));
        Assert.Contains(id[..12], await _vch.OkAsync("ps", "-q"));
        Assert.Equal("before", await _vch.OkAsync("logs", id));
        Assert.Equal("in", await _vch.OkAsync("exec", id, "echo", "in"));
        await _vch.OkAsync("stop", "-t", "2", id);
        Assert.Equal("exited", await _vch.OkAsync("inspect", "-f", "{{.State.Status}}", id));
        await _vch.OkAsync("rm", id);

        // --rollback switches back to the kept release with another container running through it.
        string second = await _vch.OkAsync("run", "-d", "busybox", "sleep", "1000");
        string secondQemu = await QemuPidAsync(second);
        var back = await _vch.MachineAsync("upgrade", "--name", _vch.Name, "--rollback");
        Assert.True(back.ExitCode == 0, back.ToString());
        var now = (await InspectAsync()).GetProperty("Settings");
        Assert.Equal(release, now.GetProperty("Release").GetString());
        Assert.Equal(newRelease, now.GetProperty("RollbackRelease").GetString());
        Assert.Contains(Path.Combine(_vch.Directory, "releases", release, "vch", "vic-vch"), await DaemonCommandLineAsync());
        Assert.Equal(secondQemu, await QemuPidAsync(second));
        await _vch.OkAsync("rm", "-f", second);
        Assert.Equal("", (await Shell.RunAsync("pgrep", ["-f", second])).Stdout.Trim());
    }

    [Fact]
    public async Task An_upgrade_whose_daemon_does_not_come_up_is_rolled_back()
    {
        byte[] record = await File.ReadAllBytesAsync(VchJson);
        string release = (await InspectAsync()).GetProperty("Settings").GetProperty("Release").GetString()!;
        var releases = Directory.GetDirectories(Path.Combine(_vch.Directory, "releases")).Order().ToList();

        var failed = await MachineWithDaemonAsync(UpgradedVch.BrokenBuild, "upgrade", "--name", _vch.Name, "--timeout", "30");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("this build cannot start", failed.Stderr);
        Assert.Contains("upgrade failed and was rolled back", failed.Stderr);

        Assert.Equal(record, await File.ReadAllBytesAsync(VchJson));
        Assert.Equal(releases, Directory.GetDirectories(Path.Combine(_vch.Directory, "releases")).Order().ToList());
        var after = await InspectAsync();
        Assert.Equal("running", after.GetProperty("State").GetString());
        Assert.Equal(release, after.GetProperty("Settings").GetProperty("Release").GetString());
        Assert.Equal("ok", await _vch.OkAsync("run", "--rm", "busybox", "echo", "ok"));
    }
}

/// <summary>The VCH of <see cref="UpgradeTests"/>, and the two builds its upgrades switch to: a copy of out/vch with one
/// file more, and a daemon that exits at once.</summary>
public sealed class UpgradedVch : IAsyncLifetime
{
    private static readonly string Builds = Path.Combine(Path.GetTempPath(), "vic-builds-" + Guid.NewGuid().ToString("N")[..8]);
    public static string OtherBuild => Path.Combine(Builds, "other", "vic-vch");
    public static string BrokenBuild => Path.Combine(Builds, "broken", "vic-vch");

    public VchFixture Vch { get; } = new();

    public async Task InitializeAsync()
    {
        await Vch.InitializeAsync();
        string source = Path.GetDirectoryName(Path.Combine(RepoPaths.Root, "out", "vch", "vic-vch"))!;
        Directory.CreateDirectory(Builds);
        var copy = await Shell.RunAsync("cp", ["-a", source, Path.Combine(Builds, "other")]);
        Assert.True(copy.ExitCode == 0, copy.ToString());
        await File.WriteAllTextAsync(Path.Combine(Builds, "other", "BUILD"), "another build of the same code\n");
        Directory.CreateDirectory(Path.Combine(Builds, "broken"));
        await File.WriteAllTextAsync(BrokenBuild, "#!/bin/sh\necho 'this build cannot start' >&2\nexit 3\n");
        Assert.Equal(0, (await Shell.RunAsync("chmod", ["755", BrokenBuild])).ExitCode);
    }

    public async Task DisposeAsync()
    {
        await Vch.DisposeAsync();
        Directory.Delete(Builds, recursive: true);
    }
}
