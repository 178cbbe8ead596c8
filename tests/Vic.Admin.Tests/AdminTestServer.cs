using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Vic.Engine.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.Admin.Tests;

/// <summary>vicadmin over the in-memory port layer on a free loopback port, with a CA, a server certificate, a token
/// file, a daemon log and a configuration file holding secrets, all in a temporary directory.</summary>
internal sealed class AdminTestServer : IAsyncDisposable
{
    public const string Token = "tok-3b8f0c1e9a7d4f62b5e1c0a9d8e7f6a5";
    public const string ConfigPassword = "hunter2-registry-pass";
    public const string RunningId = "aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888";
    public const string ExitedId = "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef";

    private readonly WebApplication _app;

    private AdminTestServer(WebApplication app, string directory, FakeBackend backend, X509Certificate2 ca)
    {
        _app = app;
        Directory = directory;
        Backend = backend;
        Ca = ca;
        BaseAddress = new Uri(AdminServer.BoundAddress(app));
    }

    public string Directory { get; }
    public FakeBackend Backend { get; }
    public X509Certificate2 Ca { get; }
    public Uri BaseAddress { get; }
    public string DaemonLog => Path.Combine(Directory, "vch.log");
    public string TokenFile => Path.Combine(Directory, "admin-token");

    public static async Task<AdminTestServer> StartAsync(bool clientCertificates = true, TimeProvider? time = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "vic-admin-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var ca = TestCertificates.Authority("test VCH CA");
        var server = TestCertificates.Leaf(ca, "localhost", TestCertificates.ServerAuth);
        await File.WriteAllTextAsync(Path.Combine(directory, "admin-token"), Token + "\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "vch.log"),
            "2026-01-01T00:00:00.000Z info: vic-vch[0] VCH test started\n"
            + $"2026-01-01T00:00:01.000Z info: vicadmin token is {Token} (must never leave in a bundle)\n"
            + "2026-01-01T00:00:02.000Z info: pulling from https://alice:s3cr3t-url-pass@registry.example/v2/\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "vch.json"), JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Name"] = "test-vch",
            ["RegistryPassword"] = ConfigPassword,
            ["AdminTokenFile"] = Path.Combine(directory, "admin-token"),
            ["TlsServerKey"] = server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
        }));
        var backend = new FakeBackend();
        Seed(backend, directory);
        var app = AdminServer.Build(new AdminOptions
        {
            Address = "127.0.0.1:0",
            Certificate = server,
            ClientCertificateAuthorities = clientCertificates ? [ca] : null,
            TokenFile = Path.Combine(directory, "admin-token"),
            VchName = "test-vch",
            Version = "9.8.7",
            ApiEndpoints = ["unix:///fake/docker.sock", "tcp://127.0.0.1:2376 (mutual TLS)"],
            DaemonLogFiles = [Path.Combine(directory, "vch.log")],
            ConfigurationFiles = [Path.Combine(directory, "vch.json")],
            CommandLine = ["vic-vch", "--name", "test-vch", "--registry-password", "flag-secret-value", "--admin-token-file", Path.Combine(directory, "admin-token")],
        }, new AdminSources(backend, backend, backend, new FakeImageService())
        {
            DiagnosticFiles = info => [("console.log", Path.Combine(directory, info.Spec.Id[..12] + "-console.log"))],
        }, time: time);
        await app.StartAsync();
        return new AdminTestServer(app, directory, backend, ca);
    }

    private static void Seed(FakeBackend backend, string directory)
    {
        backend.Seed(Container(RunningId, "web", ContainerRunState.Running, ["PASSWORD=env-secret-value", "MODE=prod"]));
        backend.Seed(Container(ExitedId, "job", ContainerRunState.Exited, []));
        backend.AddOutput(RunningId, OutputStream.Stdout, "hello from web\nsecond line\n");
        backend.AddOutput(RunningId, OutputStream.Stderr, "a warning on stderr\n");
        backend.AddOutput(ExitedId, OutputStream.Stdout, "job done\n");
        File.WriteAllText(Path.Combine(directory, RunningId[..12] + "-console.log"), "[    0.000000] Linux version 6.1.0-fake\n");
    }

    private static ContainerInfo Container(string id, string name, ContainerRunState state, string[] env) => new()
    {
        Spec = new ContainerSpec
        {
            Id = id,
            Name = name,
            Process = new ProcessConfig { Args = ["sh", "-c", "run"], Env = env },
            Annotations = new Dictionary<string, string> { ["docker.config"] = "{\"Image\":\"busybox:latest\"}" },
        },
        Status = new ContainerStatus { State = state, ExitCode = state == ContainerRunState.Exited ? 3 : 0 },
        Created = DateTimeOffset.Parse("2026-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture),
        Location = "/fake/datastore/" + id,
    };

    /// <summary>A client that trusts only the test CA, keeps cookies and does not follow redirects.</summary>
    public HttpClient Client(X509Certificate2? clientCertificate = null, CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies ?? new CookieContainer(),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && ChainsToCa(new X509Certificate2(certificate)),
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            },
        };
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A client logged in with the token (its cookie container holds the session).</summary>
    public async Task<HttpClient> LoggedInClientAsync()
    {
        var client = Client();
        var response = await client.PostAsync("/login", new FormUrlEncodedContent([new("token", Token)]));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return client;
    }

    private bool ChainsToCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
