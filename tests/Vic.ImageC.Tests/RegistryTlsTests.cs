using System.Security.Cryptography.X509Certificates;
using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>
/// Registries that are not on loopback (a VCH treats loopback as insecure), served by Debian's docker-registry from a
/// network namespace the test makes: HTTPS with a certificate from a test CA, and plain HTTP. Proves that the extra
/// CAs of the policy are trusted, that an unknown CA is refused with dockerd's words and leaves nothing, and that
/// insecure registries skip verification or fall back to HTTP while secure ones never do; and that registry traffic
/// goes through the policy's proxies (a test proxy on loopback), except for NoProxy entries.
/// </summary>
public sealed class RegistryTlsTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vic-tls-").FullName;
    private readonly TestRegistry _loopback = new();
    private readonly NamespacedRegistry _https;
    private readonly NamespacedRegistry _http;
    private readonly string _caFile;
    private readonly OciImage _busybox;

    public RegistryTlsTests()
    {
        // Both serve the loopback registry's storage: images are pushed there, pulled from the namespaces.
        _busybox = TestImages.BuildBusybox(Path.Combine(_work, "busybox"));
        _loopback.PushAsync(_busybox, "team/busybox").GetAwaiter().GetResult();
        string storage = Path.Combine(_loopback.Directory, "data");
        using var ca = TestCertificates.Authority("vic test registry CA");
        _caFile = Path.Combine(_work, "ca.pem");
        File.WriteAllText(_caFile, ca.ExportCertificatePem());
        string certFile = Path.Combine(_work, "server.pem"), keyFile = Path.Combine(_work, "server-key.pem");
        _https = StartTls(ca, storage, certFile, keyFile);
        try
        {
            _http = new NamespacedRegistry(storage, tls: null);
        }
        catch
        {
            _https.Dispose();
            throw;
        }
    }

    /// <summary>A TLS registry whose certificate names its own address (picked when its namespace is made).</summary>
    private static NamespacedRegistry StartTls(X509Certificate2 ca, string storage, string certFile, string keyFile)
    {
        return new NamespacedRegistry(storage, (certFile, keyFile), address =>
        {
            using var server = TestCertificates.ServerForAddress(ca, address);
            File.WriteAllText(certFile, server.ExportCertificatePem());
            File.WriteAllText(keyFile, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        });
    }

    public void Dispose()
    {
        _http.Dispose();
        _https.Dispose();
        _loopback.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task An_https_registry_is_trusted_through_the_policys_extra_ca()
    {
        using var harness = new Harness(configure: o => o with { Registries = new RegistryPolicy { CaCertificateFiles = [_caFile] } });
        var (image, _) = await harness.PullAsync($"{_https.HostPort}/team/busybox");
        Assert.Equal(_busybox.ImageId, image.Id);
    }

    [Fact]
    public async Task An_unknown_ca_is_refused_with_dockerds_words_and_leaves_nothing()
    {
        using var harness = new Harness();
        var refused = await Assert.ThrowsAsync<UnavailableException>(() => harness.PullAsync($"{_https.HostPort}/team/busybox"));
        Assert.Equal($"Get \"https://{_https.HostPort}/v2/\": tls: failed to verify certificate: x509: certificate signed by unknown authority", refused.Message);
        Assert.Empty(await harness.Service.ListAsync(default));
        Assert.Empty(harness.Layers.LayerIds);
    }

    [Fact]
    public async Task An_insecure_registry_skips_verification_and_a_plain_one_is_reached_over_http_only_when_insecure()
    {
        using var insecure = new Harness(configure: o => o with
        {
            Registries = new RegistryPolicy { InsecureRegistries = [_https.HostPort, _http.Address] },
        });
        Assert.Equal(_busybox.ImageId, (await insecure.PullAsync($"{_https.HostPort}/team/busybox")).Image.Id);
        Assert.Equal(_busybox.ImageId, (await insecure.PullAsync($"{_http.HostPort}/team/busybox")).Image.Id);

        // Not listed: HTTPS only, and this registry speaks plain HTTP.
        using var secure = new Harness();
        var refused = await Assert.ThrowsAsync<UnavailableException>(() => secure.PullAsync($"{_http.HostPort}/team/busybox"));
        Assert.Equal($"Get \"https://{_http.HostPort}/v2/\": http: server gave HTTP response to HTTPS client", refused.Message);
        Assert.Empty(await secure.Service.ListAsync(default));
    }

    [Fact]
    public async Task Registry_traffic_goes_through_the_policys_proxies_with_credentials_and_no_proxy_entries_go_direct()
    {
        using var proxy = new TestHttpProxy("builder", "s3cret pass");
        string proxyUrl = $"http://builder:{Uri.EscapeDataString("s3cret pass")}@127.0.0.1:{proxy.Port}";
        var policy = new RegistryPolicy { CaCertificateFiles = [_caFile], InsecureRegistries = [_http.HostPort], HttpProxy = proxyUrl, HttpsProxy = proxyUrl };
        using (var proxied = new Harness(configure: o => o with { Registries = policy }))
        {
            Assert.Equal(_busybox.ImageId, (await proxied.PullAsync($"{_https.HostPort}/team/busybox")).Image.Id);
            Assert.Contains($"CONNECT {_https.HostPort}", proxy.Targets);
            // An insecure plain-HTTP registry: HTTPS is tried first (tunnelled), then HTTP through the proxy.
            Assert.Equal(_busybox.ImageId, (await proxied.PullAsync($"{_http.HostPort}/team/busybox")).Image.Id);
            Assert.Contains($"GET {_http.HostPort}", proxy.Targets);
        }

        int before = proxy.Targets.Count;
        using (var bypassing = new Harness(configure: o => o with { Registries = policy with { NoProxy = ["10.237.0.0/16"] } }))
            Assert.Equal(_busybox.ImageId, (await bypassing.PullAsync($"{_https.HostPort}/team/busybox")).Image.Id);
        Assert.Equal(before, proxy.Targets.Count);

        // A proxy that is not there fails the pull: the registry is not reached around it.
        int deadPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            deadPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var dead = new Harness(configure: o => o with { Registries = policy with { HttpsProxy = $"http://127.0.0.1:{deadPort}" } });
        await Assert.ThrowsAsync<UnavailableException>(() => dead.PullAsync($"{_https.HostPort}/team/busybox"));
        Assert.Empty(await dead.Service.ListAsync(default));
    }
}
