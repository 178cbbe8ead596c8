namespace Vic.Integration.Tests;

/// <summary>vic-machine validates before it changes anything: a refused create leaves nothing behind.</summary>
public sealed class MachineValidationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vic-mv-" + Guid.NewGuid().ToString("N")[..8]);

    public MachineValidationTests()
    {
        RepoPaths.RequireBuilt();
        Directory.CreateDirectory(_root);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<CommandResult> MachineAsync(params string[] args) =>
        Shell.RunAsync(RepoPaths.Machine, args, new Dictionary<string, string> { ["VIC_HOME"] = _root });

    [Fact]
    public async Task Invalid_name_is_refused_with_exit_code_2()
    {
        var result = await MachineAsync("create", "--name", "bad/name");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("invalid VCH name", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task Missing_container_base_is_refused_before_anything_is_made()
    {
        var result = await MachineAsync("create", "--name", "nobase", "--container-base", Path.Combine(_root, "nothing-here"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("container base not found", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task A_directory_that_is_not_a_vch_is_never_taken_over()
    {
        string foreign = Path.Combine(_root, "precious");
        Directory.CreateDirectory(foreign);
        await File.WriteAllTextAsync(Path.Combine(foreign, "data.txt"), "keep me");
        var result = await MachineAsync("create", "--name", "precious");
        Assert.Equal(4, result.ExitCode);
        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(foreign, "data.txt")));
    }

    [Fact]
    public async Task Unknown_vch_is_exit_code_3_and_every_command_has_help()
    {
        var missing = await MachineAsync("inspect", "--name", "ghost");
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("no VCH named \"ghost\"", missing.Stderr);
        foreach (string[] command in new[] { "create", "ls", "inspect", "inspect config", "configure", "debug", "start", "stop", "delete", "install-service", "version" }.Select(c => c.Split(' ')))
        {
            var help = await MachineAsync([.. command, "--help"]);
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("Usage:", help.Stdout);
            Assert.Contains("--debug", help.Stdout);
        }
        var daemonHelp = await Shell.RunAsync(Path.Combine(RepoPaths.Root, "out", "vch", "vic-vch"), ["--help"]);
        Assert.Contains("--datastore", daemonHelp.Stdout);
    }

    [Fact]
    public async Task A_port_in_use_is_refused_before_anything_is_made()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        int port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var result = await MachineAsync("create", "--name", "busy", "--endpoint-port", port.ToString());
        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"port {port} on 127.0.0.1 is in use", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task A_failed_create_leaves_nothing_behind_not_even_certificates_outside_the_vch()
    {
        string certs = Path.Combine(_root, "elsewhere", "certs");
        var result = await MachineAsync("create", "--name", "doomed", "--endpoint-port", "0", "--vch-binary", "/bin/false", "--tls-cert-path", certs, "--timeout", "30");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("exited during start", result.Stderr);
        Assert.Contains("generated a CA", result.Stderr); // it got as far as writing certificates
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task Plain_tcp_is_loudly_warned_and_served_without_tls()
    {
        var created = await MachineAsync("create", "--name", "plain", "--endpoint-port", "0", "--no-tls", "--format", "json");
        try
        {
            Assert.True(created.ExitCode == 0, created.ToString());
            Assert.Contains("WARNING: the Docker API on tcp://127.0.0.1:", created.Stderr);
            Assert.Contains("has NO TLS", created.Stderr);
            var json = System.Text.Json.JsonDocument.Parse(created.Stdout).RootElement;
            Assert.Equal("none", json.GetProperty("Tls").GetString());
            Assert.False(json.GetProperty("Env").TryGetProperty("DOCKER_TLS_VERIFY", out _));
            string host = json.GetProperty("DockerHost").GetString()!;
            var ping = await Shell.RunAsync("curl", ["-sS", "--max-time", "10", "http://" + host["tcp://".Length..] + "/_ping"]);
            Assert.Equal("OK", ping.Stdout);
            Assert.Contains("WITHOUT TLS", await File.ReadAllTextAsync(Path.Combine(_root, "plain", "vch.log")));
        }
        finally
        {
            await MachineAsync("delete", "--name", "plain", "--force");
        }
    }

    [Fact]
    public async Task Server_only_tls_serves_a_cli_that_verifies_the_server_without_a_client_certificate()
    {
        var created = await MachineAsync("create", "--name", "srvtls", "--endpoint-port", "0", "--no-tlsverify", "--format", "json");
        try
        {
            Assert.True(created.ExitCode == 0, created.ToString());
            var json = System.Text.Json.JsonDocument.Parse(created.Stdout).RootElement;
            Assert.Equal("server-only", json.GetProperty("Tls").GetString());
            string certs = json.GetProperty("CertPath").GetString()!;
            Assert.False(File.Exists(Path.Combine(certs, "cert.pem")));
            var env = json.GetProperty("Env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            env["DOCKER_CONFIG"] = Path.Combine(_root, ".docker");
            var version = await Shell.RunAsync("docker", ["version", "--format", "{{.Server.Os}}"], env);
            Assert.True(version.ExitCode == 0, version.ToString());
            Assert.Equal("linux", version.Stdout.Trim());
        }
        finally
        {
            await MachineAsync("delete", "--name", "srvtls", "--force");
        }
    }
}
