using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Vic.TestSupport;

namespace Vic.Engine.Tests;

/// <summary>The TCP endpoint over TLS: with client verification a client without a certificate from the VCH's CA
/// gets no HTTP answer at all, not even /_ping.</summary>
public sealed class TlsEndpointTests
{
    private static readonly X509Certificate2 Ca = TestCertificates.Authority("vch CA");
    private static readonly X509Certificate2 OtherCa = TestCertificates.Authority("someone else's CA");

    [Fact]
    public async Task Mutual_tls_serves_a_client_with_a_certificate_from_the_ca()
    {
        await using var server = await StartAsync(verifyClients: true);
        using var client = Client(server.Port, TestCertificates.Leaf(Ca, "client", TestCertificates.ClientAuth));
        using var response = await client.GetAsync("/_ping");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Mutual_tls_answers_nothing_to_a_client_without_a_certificate()
    {
        await using var server = await StartAsync(verifyClients: true);
        using var client = Client(server.Port, null);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/_ping"));
    }

    [Fact]
    public async Task Mutual_tls_answers_nothing_to_a_certificate_from_another_ca()
    {
        await using var server = await StartAsync(verifyClients: true);
        using var client = Client(server.Port, TestCertificates.Leaf(OtherCa, "intruder", TestCertificates.ClientAuth));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/_ping"));
    }

    [Fact]
    public async Task Mutual_tls_refuses_the_servers_own_certificate_as_a_client_certificate()
    {
        // Same CA, but issued for server authentication only: not a client's key.
        await using var server = await StartAsync(verifyClients: true);
        using var client = Client(server.Port, TestCertificates.Leaf(Ca, "localhost", TestCertificates.ServerAuth));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/_ping"));
    }

    [Fact]
    public async Task Server_only_tls_serves_a_client_without_a_certificate()
    {
        await using var server = await StartAsync(verifyClients: false);
        using var client = Client(server.Port, null);
        using var response = await client.GetAsync("/version");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private sealed class TlsServer(EngineServer inner, int port) : IAsyncDisposable
    {
        public int Port => port;
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private static async Task<TlsServer> StartAsync(bool verifyClients)
    {
        int port = FreePort();
        var endpoint = new TlsEndpoint
        {
            Address = $"127.0.0.1:{port}",
            Certificate = TestCertificates.Leaf(Ca, "localhost", TestCertificates.ServerAuth),
            ClientCertificateAuthorities = verifyClients ? [Ca] : null,
        };
        return new TlsServer(await EngineServer.StartAsync(tls: [endpoint]), port);
    }

    private static HttpClient Client(int port, X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                ClientCertificates = certificate is null ? null : [certificate],
                // Trust exactly the VCH's CA, as the docker CLI does with ca.pem.
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { Ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{port}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
