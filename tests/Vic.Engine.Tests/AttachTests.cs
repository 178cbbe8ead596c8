using System.Net;
using System.Net.Sockets;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

public sealed class AttachTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>The request the docker CLI sends for attach: on a fresh connection, Upgrade: tcp, here with a body as exec start has.</summary>
    private static string Hijack(string id, string query, string body = "{}") =>
        $"POST /v1.44/containers/{id}/attach?{query} HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n" +
        $"Content-Length: {body.Length}\r\nConnection: Upgrade\r\nContent-Type: text/plain\r\nUpgrade: tcp\r\n\r\n{body}";

    [Fact]
    public async Task Hijacked_attach_answers_101_and_streams_framed_output_produced_right_after_start()
    {
        string id = await _server.CreateAsync("echoer", """["echo","hello","world"]""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(Hijack(id, "stream=1&stdout=1&stderr=1"));
        var (status, headers) = await conn.ReadHeadAsync();
        Assert.Equal("HTTP/1.1 101 UPGRADED", status);
        Assert.Equal("application/vnd.docker.multiplexed-stream", headers["Content-Type"]);
        Assert.Equal("Upgrade", headers["Connection"]);
        Assert.Equal("tcp", headers["Upgrade"]);
        Assert.Equal("1.44", headers["Api-Version"]);

        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync($"/containers/{id}/start")).Response.StatusCode);
        Assert.Equal((1, "hello world\n"), await conn.ReadFrameAsync());
        Assert.Null(await conn.ReadFrameAsync()); // the stream ends when the container stops
    }

    [Fact]
    public async Task Stdin_typed_before_start_is_delivered_and_half_close_closes_it()
    {
        string id = await _server.CreateAsync("cat1", """["cat"]""", "\"OpenStdin\":true,\"StdinOnce\":true,\"AttachStdin\":true");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(Hijack(id, "stream=1&stdin=1&stdout=1&stderr=1"));
        Assert.Equal("HTTP/1.1 101 UPGRADED", (await conn.ReadHeadAsync()).StatusLine);
        await conn.SendAsync("ping\n");
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal((1, "ping\n"), await conn.ReadFrameAsync());
        await conn.SendAsync("pong\n");
        Assert.Equal((1, "pong\n"), await conn.ReadFrameAsync());
        conn.Socket.Shutdown(SocketShutdown.Send); // the CLI's CloseWrite when its stdin ends
        Assert.Null(await conn.ReadFrameAsync());

        var container = _server.Backend.Get(id);
        Assert.True(container.StdinClosed);
        await EngineServer.EventuallyAsync(() => container.State == ContainerRunState.Exited, "cat to exit");
        Assert.Equal(0, container.Info.Status.ExitCode);
    }

    [Fact]
    public async Task Output_still_flows_after_the_client_half_closes_before_start()
    {
        string id = await _server.CreateAsync("cat2", """["cat"]""", "\"OpenStdin\":true,\"StdinOnce\":true");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(Hijack(id, "stream=1&stdin=1&stdout=1&stderr=1"));
        Assert.Equal("HTTP/1.1 101 UPGRADED", (await conn.ReadHeadAsync()).StatusLine);
        await conn.SendAsync("all at once\n");
        conn.Socket.Shutdown(SocketShutdown.Send); // `echo ... | docker run -i`: EOF long before the VM is up
        await Task.Delay(200);
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal((1, "all at once\n"), await conn.ReadFrameAsync());
        Assert.Null(await conn.ReadFrameAsync());
    }

    [Fact]
    public async Task A_client_that_half_closes_right_after_a_request_with_a_body_still_gets_the_stream()
    {
        string id = await _server.CreateAsync("quick", """["echo","still here"]""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(Hijack(id, "stream=1&stdout=1&stderr=1", body: """{"Detach":false,"Tty":false}"""));
        conn.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("HTTP/1.1 101 UPGRADED", (await conn.ReadHeadAsync()).StatusLine);
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal((1, "still here\n"), await conn.ReadFrameAsync());
        Assert.Null(await conn.ReadFrameAsync());
    }

    [Fact]
    public async Task Detach_keys_on_a_tty_end_the_attach_but_not_the_container()
    {
        string id = await _server.CreateAsync("ttyc", """["sleep"]""", "\"Tty\":true,\"OpenStdin\":true");
        await _server.PostAsync($"/containers/{id}/start");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(Hijack(id, "stream=1&stdin=1&stdout=1&detachKeys=ctrl-x,y"));
        var (status, headers) = await conn.ReadHeadAsync();
        Assert.Equal("HTTP/1.1 101 UPGRADED", status);
        Assert.Equal("application/vnd.docker.raw-stream", headers["Content-Type"]);
        await conn.SendAsync([(byte)'a', 0x18, (byte)'b', 0x18, (byte)'y', (byte)'z']);
        Assert.Equal("", await conn.ReadToEndAsync());

        var container = _server.Backend.Get(id);
        Assert.Equal(ContainerRunState.Running, container.State);
        Assert.Equal("a\u0018b", string.Concat(container.Stdin.Select(b => System.Text.Encoding.ASCII.GetString(b))));
    }

    [Fact]
    public async Task Errors_before_the_upgrade_are_plain_http_errors()
    {
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(Hijack("nope", "stream=1&stdout=1"));
        var (status, headers) = await conn.ReadHeadAsync();
        Assert.Equal("HTTP/1.1 404 Not Found", status);
        Assert.Equal("application/json", headers["Content-Type"]);
        string body = System.Text.Encoding.UTF8.GetString(await conn.ReadExactlyAsync(int.Parse(headers["Content-Length"])));
        Assert.Equal("""{"message":"No such container: nope"}""", body);

        string id = await _server.CreateAsync("keys", """["sleep"]""");
        using var bad = await RawConnection.OpenAsync(_server);
        await bad.SendAsync(Hijack(id, "stream=1&stdout=1&detachKeys=ctrl-%C3%A9"));
        Assert.Equal("HTTP/1.1 400 Bad Request", (await bad.ReadHeadAsync()).StatusLine);
    }

    [Fact]
    public async Task A_failed_start_ends_an_attach_waiting_for_the_run()
    {
        string id = await _server.CreateAsync("wontrun", """["nosuchcmd"]""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(Hijack(id, "stream=1&stdout=1&stderr=1"));
        Assert.Equal("HTTP/1.1 101 UPGRADED", (await conn.ReadHeadAsync()).StatusLine);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.PostAsync($"/containers/{id}/start")).Response.StatusCode);
        Assert.Null(await conn.ReadFrameAsync());
    }

    [Fact]
    public async Task Attach_without_upgrade_is_a_plain_streaming_response()
    {
        string id = await _server.CreateAsync("plain", """["both"]""");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/containers/{id}/attach?stream=1&stdout=1&stderr=1");
        var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.docker.multiplexed-stream", response.Content.Headers.ContentType!.ToString());
        var body = response.Content.ReadAsByteArrayAsync();
        Assert.False(body.IsCompleted);
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal([(1, "to-stdout\n"), (2, "to-stderr\n")], ContainerLogsTests.Demux(await body.WaitAsync(TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public async Task An_upgrade_later_on_a_kept_alive_connection_is_upgraded_by_kestrel()
    {
        string id = await _server.CreateAsync("later", """["echo","late"]""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n");
        var (pingStatus, pingHeaders) = await conn.ReadHeadAsync();
        Assert.Equal("HTTP/1.1 200 OK", pingStatus);
        await conn.ReadExactlyAsync(int.Parse(pingHeaders["Content-Length"]));

        await conn.SendAsync($"POST /containers/{id}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
        var (status, headers) = await conn.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101", status);
        Assert.Equal("tcp", headers["Upgrade"]);
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal((1, "late\n"), await conn.ReadFrameAsync());
    }

    [Fact]
    public async Task A_normal_request_arriving_in_pieces_still_reaches_kestrel()
    {
        using var conn = await RawConnection.OpenAsync(_server);
        const string body = """{"Image":"busybox","Cmd":["echo"]}""";
        await conn.SendAsync("POST /v1.44/containers/cre");
        await Task.Delay(100);
        await conn.SendAsync($"ate?name=pieces HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        Assert.Equal("HTTP/1.1 201 Created", (await conn.ReadHeadAsync()).StatusLine);
        Assert.Single(_server.Backend.All);
    }
}
