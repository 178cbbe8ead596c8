using System.Net;
using System.Text.Json;

namespace Vic.Engine.Tests;

public sealed class SystemApiTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/_ping")]
    [InlineData("/v1.44/_ping")]
    [InlineData("/v1.24/_ping")]
    public async Task Ping_answers_OK_with_dockerd_headers(string path)
    {
        var response = await _server.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("1.44", response.Headers.GetValues("Api-Version").Single());
        Assert.Equal("false", response.Headers.GetValues("Docker-Experimental").Single());
        Assert.Equal("linux", response.Headers.GetValues("Ostype").Single());
        Assert.Equal("Docker/0.1.0 (linux)", response.Headers.Server.ToString());
    }

    [Fact]
    public async Task Ping_HEAD_has_headers_and_no_body()
    {
        var response = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/_ping"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1.44", response.Headers.GetValues("Api-Version").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/v1.99/version", "client version 1.99 is too new. Maximum supported API version is 1.44")]
    [InlineData("/v1.45/containers/json", "client version 1.45 is too new. Maximum supported API version is 1.44")]
    [InlineData("/v1.12/version",
        "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version")]
    public async Task Versions_outside_the_range_are_400_with_dockerds_message(string path, string message)
    {
        var response = await _server.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        // Go's json.Encoder ends the body with a line end; a small finished answer has a Content-Length, not chunks.
        string body = $$"""{"message":"{{message}}"}""" + "\n";
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal("1.44", response.Headers.GetValues("Api-Version").Single());
    }

    [Fact]
    public async Task Unknown_paths_are_404_page_not_found()
    {
        var (response, json) = await _server.GetAsync("/v1.44/no/such/path");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("page not found", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Version_reports_api_range_and_guest_kernel()
    {
        var (response, json) = await _server.GetAsync("/v1.44/version");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("1.44", json.GetProperty("ApiVersion").GetString());
        Assert.Equal("1.24", json.GetProperty("MinAPIVersion").GetString());
        Assert.Equal("0.1.0", json.GetProperty("Version").GetString());
        Assert.Equal("linux", json.GetProperty("Os").GetString());
        Assert.Equal("6.1.0-fake", json.GetProperty("KernelVersion").GetString());
        Assert.Equal(JsonValueKind.False, json.GetProperty("Experimental").ValueKind);
        var engine = json.GetProperty("Components")[0];
        Assert.Equal("Engine", engine.GetProperty("Name").GetString());
        Assert.Equal("1.44", engine.GetProperty("Details").GetProperty("ApiVersion").GetString());
    }

    [Fact]
    public async Task Info_counts_containers_by_state_and_shows_the_accelerator()
    {
        string running = await _server.CreateAsync("runner", """["sleep"]""");
        await _server.CreateAsync("idle", """["true"]""");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync($"/containers/{running}/start")).Response.StatusCode);

        var (response, json) = await _server.GetAsync("/info");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, json.GetProperty("Containers").GetInt32());
        Assert.Equal(1, json.GetProperty("ContainersRunning").GetInt32());
        Assert.Equal(1, json.GetProperty("ContainersStopped").GetInt32());
        Assert.Equal(0, json.GetProperty("ContainersPaused").GetInt32());
        Assert.Equal(2, json.GetProperty("Images").GetInt32());
        Assert.Equal("vic", json.GetProperty("Driver").GetString());
        Assert.Equal("test-vch", json.GetProperty("Name").GetString());
        Assert.Equal("6.1.0-fake", json.GetProperty("KernelVersion").GetString());
        Assert.Equal(4, json.GetProperty("NCPU").GetInt32());
        Assert.Equal(8L << 30, json.GetProperty("MemTotal").GetInt64());
        Assert.Equal("", json.GetProperty("Isolation").GetString());
        Assert.Equal(0, json.GetProperty("SecurityOptions").GetArrayLength());
        var status = json.GetProperty("DriverStatus").EnumerateArray().ToDictionary(p => p[0].GetString()!, p => p[1].GetString());
        Assert.Equal("none", status["Accelerator"]);
        Assert.Equal("fake", status["Backend"]);
        Assert.Equal("/fake/datastore", status["Datastore"]);
    }

    [Fact]
    public async Task A_plain_tcp_endpoint_on_loopback_serves_the_same_api()
    {
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var server = await EngineServer.StartAsync(tcp: [$"127.0.0.1:{port}"]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var response = await client.GetAsync("/v1.44/_ping");
        Assert.Equal("OK", await response.Content.ReadAsStringAsync());
        Assert.Equal("1.44", response.Headers.GetValues("Api-Version").Single());
    }

    [Fact]
    public async Task The_socket_is_owner_and_group_only()
    {
        var mode = File.GetUnixFileMode(_server.SocketPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
        await Task.CompletedTask;
    }
}
