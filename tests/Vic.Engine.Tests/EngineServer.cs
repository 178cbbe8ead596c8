using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Vic.Engine.Tests.Fakes;

namespace Vic.Engine.Tests;

/// <summary>DockerEngineApi.Build on a temp unix socket over the fakes, with an HttpClient that dials the socket.</summary>
internal sealed class EngineServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private EngineServer(WebApplication app, string directory, FakeBackend backend, FakeImageService images)
    {
        _app = app;
        _directory = directory;
        Backend = backend;
        Images = images;
        Client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        {
            BaseAddress = new Uri("http://docker"),
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    public FakeBackend Backend { get; }
    public FakeImageService Images { get; }
    public HttpClient Client { get; }
    /// <summary>The app's services, for tests that drive an engine component directly (the DNS server).</summary>
    public IServiceProvider Services => _app.Services;
    public string SocketPath => Path.Combine(_directory, "docker.sock");

    public static async Task<EngineServer> StartAsync(Action<FakeBackend>? seed = null, IReadOnlyList<string>? tcp = null, IReadOnlyList<TlsEndpoint>? tls = null,
        IReadOnlyList<ContainerNetworkOptions>? containerNetworks = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "vic-engine-" + Guid.NewGuid().ToString("N")[..8]);
        var backend = new FakeBackend();
        seed?.Invoke(backend);
        var images = new FakeImageService();
        var app = DockerEngineApi.Build(
            new EngineOptions
            {
                UnixSocketPath = Path.Combine(directory, "docker.sock"),
                VchName = "test-vch",
                DatastorePath = "/fake/datastore",
                TcpEndpoints = tcp ?? [],
                TlsEndpoints = tls ?? [],
                ContainerNetworks = containerNetworks ?? [],
            },
            backend.Services, images, logging => { if (Environment.GetEnvironmentVariable("VIC_ENGINE_TEST_LOG") == "1") logging.AddSimpleConsole(); });
        await app.StartAsync();
        return new EngineServer(app, directory, backend, images);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public async Task<Socket> ConnectRawAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        return socket;
    }

    public async Task<(HttpResponseMessage Response, JsonElement Json)> SendJsonAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        var response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response, json);
    }

    public Task<(HttpResponseMessage Response, JsonElement Json)> GetAsync(string path) => SendJsonAsync(HttpMethod.Get, path);

    public Task<(HttpResponseMessage Response, JsonElement Json)> PostAsync(string path, string? body = null) => SendJsonAsync(HttpMethod.Post, path, body);

    /// <summary>Creates a container from busybox (or <paramref name="image"/>) running <paramref name="cmd"/>; returns its ID.</summary>
    public async Task<string> CreateAsync(string? name, string cmd, string extra = "", string image = "busybox")
    {
        string query = name is null ? "" : "?name=" + name;
        string comma = extra.Length > 0 ? "," : "";
        var (response, json) = await PostAsync("/v1.44/containers/create" + query, $$"""{"Image":"{{image}}","Cmd":{{cmd}}{{comma}}{{extra}}}""");
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, json.ToString());
        return json.GetProperty("Id").GetString()!;
    }

    /// <summary>Polls <paramref name="condition"/> for up to 5 s (state changes of the fake happen on other threads).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (int i = 0; i < 250; i++)
        {
            if (condition())
                return;
            await Task.Delay(20);
        }
        Assert.Fail("timed out waiting for " + what);
    }
}
