using System.Security.Cryptography.X509Certificates;
using Vic.TestSupport;

namespace Vic.Integration.Tests;

/// <summary>
/// docker pull over HTTPS with the real docker CLI, end to end: a registry that is not on loopback (served by Debian's
/// docker-registry from a network namespace the test makes, with a certificate from a test CA for its address) is
/// trusted through vic-machine create --registry-ca, and the pulled image runs in a containerVM.
/// </summary>
public sealed class HttpsPullTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vic-https-" + Guid.NewGuid().ToString("N")[..8]);
    private TestRegistry? _loopback;
    private NamespacedRegistry? _https;
    private OciImage? _busybox;
    private string _caFile = "";
    private string _dockerHost = "";

    public async Task InitializeAsync()
    {
        RepoPaths.RequireBuilt();
        Directory.CreateDirectory(_root);
        _busybox = TestImages.BuildBusybox(Path.Combine(_root, "busybox"));
        _loopback = new TestRegistry();
        await _loopback.PushAsync(_busybox, "team/busybox");
        using X509Certificate2 ca = TestCertificates.Authority("vic https pull test CA");
        _caFile = Path.Combine(_root, "ca.pem");
        await File.WriteAllTextAsync(_caFile, ca.ExportCertificatePem());
        string certFile = Path.Combine(_root, "server.pem"), keyFile = Path.Combine(_root, "server-key.pem");
        // Same storage as the loopback registry: pushed there, pulled over HTTPS from the namespace.
        _https = new NamespacedRegistry(Path.Combine(_loopback.Directory, "data"), (certFile, keyFile), address =>
        {
            using var server = TestCertificates.ServerForAddress(ca, address);
            File.WriteAllText(certFile, server.ExportCertificatePem());
            File.WriteAllText(keyFile, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        });
    }

    public async Task DisposeAsync()
    {
        await MachineAsync("delete", "--name", "https", "--force");
        _https?.Dispose();
        _loopback?.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private Task<CommandResult> MachineAsync(params string[] args) =>
        Shell.RunAsync(RepoPaths.Machine, args, new Dictionary<string, string> { ["VIC_HOME"] = _root }, timeout: TimeSpan.FromSeconds(180));

    private Task<CommandResult> DockerAsync(params string[] args) =>
        Shell.RunAsync("docker", args, new Dictionary<string, string> { ["DOCKER_HOST"] = _dockerHost, ["DOCKER_CONFIG"] = Path.Combine(_root, ".docker") });

    [Fact]
    public async Task An_image_pulled_over_https_through_the_vchs_extra_ca_runs()
    {
        var created = await MachineAsync("create", "--name", "https", "--endpoint-port", "0", "--registry-ca", _caFile);
        Assert.True(created.ExitCode == 0, created.ToString());
        _dockerHost = "unix://" + Path.Combine(_root, "https", "docker.sock");
        string reference = $"{_https!.HostPort}/team/busybox";

        var pulled = await DockerAsync("pull", reference);
        Assert.True(pulled.ExitCode == 0, pulled.ToString());
        Assert.Contains($"Status: Downloaded newer image for {reference}:latest", pulled.Stdout);
        var id = await DockerAsync("image", "inspect", "-f", "{{.Id}}", reference);
        Assert.Equal(_busybox!.ImageId, id.Stdout.Trim());

        var run = await DockerAsync("run", "--rm", reference, "echo", "pulled over https");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("pulled over https", run.Stdout.Trim());
    }
}
