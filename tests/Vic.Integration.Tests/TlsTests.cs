using Vic.TestSupport;

namespace Vic.Integration.Tests;

/// <summary>The real docker CLI against the VCH's TCP endpoint, secured with mutual TLS by default (loopback only).</summary>
[Collection("vch")]
public sealed class TlsTests(VchFixture vch)
{
    private string CertPath => vch.TlsEnvironment["DOCKER_CERT_PATH"];
    private string Port => vch.TcpHost[(vch.TcpHost.LastIndexOf(':') + 1)..];

    [Fact]
    public async Task The_env_file_names_a_loopback_tls_endpoint_and_the_cli_certificates()
    {
        Assert.StartsWith("tcp://127.0.0.1:", vch.TlsEnvironment["DOCKER_HOST"]);
        Assert.Equal("1", vch.TlsEnvironment["DOCKER_TLS_VERIFY"]);
        foreach (string file in new[] { "ca.pem", "cert.pem", "key.pem", "server-cert.pem", "server-key.pem" })
            Assert.True(File.Exists(Path.Combine(CertPath, file)), file);
        var inspect = await vch.MachineAsync("inspect", "--name", vch.Name);
        Assert.Contains("TLS:           mutual", inspect.Stdout);
        Assert.Contains($"export DOCKER_CERT_PATH={CertPath}", inspect.Stdout);
    }

    [Fact]
    public async Task Docker_cli_with_the_generated_certificates_runs_a_container()
    {
        var version = await vch.DockerOverTcpAsync(vch.TlsEnvironment, "version", "--format", "{{.Server.Os}}");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal("linux", version.Stdout.Trim());
        // docker run attaches through a hijacked connection: the hijack must work inside TLS too.
        var run = await vch.DockerOverTcpAsync(vch.TlsEnvironment, "run", "--rm", "busybox", "echo", "hello over mutual TLS");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello over mutual TLS", run.Stdout.Trim());
    }

    [Fact]
    public async Task Without_a_client_certificate_the_vch_answers_nothing()
    {
        // The CLI verifies the server with the right ca.pem but has no client certificate to present.
        string onlyCa = Path.Combine(vch.Root, "only-ca");
        Directory.CreateDirectory(onlyCa);
        File.Copy(Path.Combine(CertPath, "ca.pem"), Path.Combine(onlyCa, "ca.pem"), overwrite: true);
        var noCert = await vch.DockerOverTcpAsync(new Dictionary<string, string>(vch.TlsEnvironment) { ["DOCKER_CERT_PATH"] = onlyCa }, "version", "--format", "{{.Server.Version}}");
        Assert.NotEqual(0, noCert.ExitCode);
        Assert.Equal("", noCert.Stdout.Trim());

        // Without TLS at all.
        var plain = await vch.DockerOverTcpAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = vch.TcpHost }, "version", "--format", "{{.Server.Version}}");
        Assert.NotEqual(0, plain.ExitCode);
        Assert.Equal("", plain.Stdout.Trim());

        // Not even /_ping answers.
        var ping = await Shell.RunAsync("curl", ["-sS", "--max-time", "10", "--cacert", Path.Combine(CertPath, "ca.pem"), $"https://127.0.0.1:{Port}/_ping"]);
        Assert.NotEqual(0, ping.ExitCode);
        Assert.Equal("", ping.Stdout);
        var pingWithCert = await Shell.RunAsync("curl", ["-sS", "--max-time", "10", "--cacert", Path.Combine(CertPath, "ca.pem"),
            "--cert", Path.Combine(CertPath, "cert.pem"), "--key", Path.Combine(CertPath, "key.pem"), $"https://127.0.0.1:{Port}/_ping"]);
        Assert.Equal("OK", pingWithCert.Stdout);
    }

    [Fact]
    public async Task A_client_certificate_from_another_ca_is_refused()
    {
        var otherCa = TestCertificates.Authority("not the VCH's CA");
        string dir = Path.Combine(vch.Root, "other-ca-client");
        TestCertificates.WriteClientDirectory(dir, otherCa, TestCertificates.Leaf(otherCa, "intruder", TestCertificates.ClientAuth));
        // Trust the real server (its ca.pem) so that only the client certificate is wrong.
        File.Copy(Path.Combine(CertPath, "ca.pem"), Path.Combine(dir, "ca.pem"), overwrite: true);
        var result = await vch.DockerOverTcpAsync(new Dictionary<string, string>(vch.TlsEnvironment) { ["DOCKER_CERT_PATH"] = dir }, "version", "--format", "{{.Server.Version}}");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("", result.Stdout.Trim());
    }
}
