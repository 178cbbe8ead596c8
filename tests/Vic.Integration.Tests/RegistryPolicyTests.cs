using Vic.TestSupport;

namespace Vic.Integration.Tests;

/// <summary>Registry policy chosen with vic-machine create, shown by docker info and enforced on pull.</summary>
public sealed class RegistryPolicyTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vic-rp-" + Guid.NewGuid().ToString("N")[..8]);
    private string _dockerHost = "";

    public Task InitializeAsync()
    {
        RepoPaths.RequireBuilt();
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await MachineAsync("delete", "--name", "policy", "--force");
        Directory.Delete(_root, recursive: true);
    }

    private Task<CommandResult> MachineAsync(params string[] args) =>
        Shell.RunAsync(RepoPaths.Machine, args, new Dictionary<string, string> { ["VIC_HOME"] = _root }, timeout: TimeSpan.FromSeconds(180));

    private Task<CommandResult> DockerAsync(params string[] args) =>
        Shell.RunAsync("docker", args, new Dictionary<string, string> { ["DOCKER_HOST"] = _dockerHost, ["DOCKER_CONFIG"] = Path.Combine(_root, ".docker") });

    [Fact]
    public async Task Create_flags_show_in_docker_info_and_the_whitelist_refuses_other_registries()
    {
        var invalid = await MachineAsync("create", "--name", "policy", "--registry-mirror", "ftp://mirror.example.com");
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("invalid --registry-mirror", invalid.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(_root));

        var created = await MachineAsync("create", "--name", "policy", "--endpoint-port", "0",
            "--insecure-registry", "10.0.0.0/8", "--insecure-registry", "registry.internal:5000",
            "--whitelist-registry", "registry.internal:5000", "--registry-mirror", "http://127.0.0.1:1",
            "--https-proxy", "http://builder:s3cret@127.0.0.1:3", "--no-proxy", "registry.internal,.corp.test");
        Assert.True(created.ExitCode == 0, created.ToString());
        // The unix socket: the TCP endpoint wants the VCH's client certificate (see TlsTests).
        _dockerHost = "unix://" + Path.Combine(_root, "policy", "docker.sock");

        var info = await DockerAsync("info");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("Insecure Registries:", info.Stdout);
        Assert.Contains("registry.internal:5000", info.Stdout);
        Assert.Contains("10.0.0.0/8", info.Stdout);
        Assert.Contains("127.0.0.0/8", info.Stdout);
        Assert.Contains("Registry Mirrors:", info.Stdout);
        Assert.Contains("http://127.0.0.1:1/", info.Stdout);
        // Proxies as dockerd shows them, the password masked (the VCH uses them, not vic-machine's environment).
        Assert.Contains("HTTPS Proxy: http://builder:xxxxx@127.0.0.1:3/", info.Stdout);
        Assert.Contains("No Proxy: registry.internal,.corp.test", info.Stdout);
        Assert.DoesNotContain("s3cret", info.Stdout);

        using var registry = new TestRegistry();
        var refused = await DockerAsync("pull", registry.HostPort + "/busybox");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"Access denied to unauthorized registry ({registry.HostPort}) while VCH is in whitelist mode", refused.Stderr);
        var images = await DockerAsync("images", "-q");
        Assert.Equal("", images.Stdout.Trim());
    }
}
