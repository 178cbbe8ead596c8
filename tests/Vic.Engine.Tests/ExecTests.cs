using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Vic.Engine.Tests;

public sealed class ExecTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>The request the docker CLI sends to start an attached exec: a fresh connection, Upgrade: tcp, a JSON body.</summary>
    private static string HijackStart(string execId, string body = """{"Detach":false,"Tty":false}""") =>
        $"POST /v1.44/exec/{execId}/start HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n" +
        $"Content-Length: {body.Length}\r\nConnection: Upgrade\r\nContent-Type: application/json\r\nUpgrade: tcp\r\n\r\n{body}";

    private async Task<string> RunningContainerAsync(string extra = "")
    {
        string id = await _server.CreateAsync(null, """["sleep"]""", extra);
        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync($"/containers/{id}/start")).Response.StatusCode);
        return id;
    }

    private async Task<string> CreateExecAsync(string container, string body)
    {
        var (response, json) = await _server.PostAsync($"/v1.44/containers/{container}/exec", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToString());
        return json.GetProperty("Id").GetString()!;
    }

    [Fact]
    public async Task Attached_exec_streams_both_streams_framed_then_reports_its_exit_code()
    {
        string container = await RunningContainerAsync();
        string exec = await CreateExecAsync(container, """{"AttachStdout":true,"AttachStderr":true,"Cmd":["both"]}""");
        Assert.Matches("^[0-9a-f]{64}$", exec);

        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(HijackStart(exec));
        var (status, headers) = await conn.ReadHeadAsync();
        Assert.Equal("HTTP/1.1 101 UPGRADED", status);
        Assert.Equal("application/vnd.docker.multiplexed-stream", headers["Content-Type"]);
        var frames = new List<(int, string)> { (await conn.ReadFrameAsync())!.Value, (await conn.ReadFrameAsync())!.Value };
        Assert.Contains((1, "to-stdout\n"), frames);
        Assert.Contains((2, "to-stderr\n"), frames);
        Assert.Null(await conn.ReadFrameAsync());

        var (_, inspect) = await _server.GetAsync($"/v1.44/exec/{exec}/json");
        Assert.Equal(0, inspect.GetProperty("ExitCode").GetInt32());
        Assert.False(inspect.GetProperty("Running").GetBoolean());
        Assert.Equal(container, inspect.GetProperty("ContainerID").GetString());
        Assert.Equal("both", inspect.GetProperty("ProcessConfig").GetProperty("entrypoint").GetString());

        var (again, error) = await _server.PostAsync($"/v1.44/exec/{exec}/start", """{"Detach":true}""");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"Error: Exec command {exec} has already run", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Framing_follows_the_start_requests_tty_not_the_execs()
    {
        string container = await RunningContainerAsync();
        string framed = await CreateExecAsync(container, """{"AttachStdout":true,"Tty":true,"Cmd":["echo","hi"]}""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(HijackStart(framed, """{"Tty":false}"""));
        Assert.Equal("application/vnd.docker.multiplexed-stream", (await conn.ReadHeadAsync()).Headers["Content-Type"]);
        Assert.Equal((1, "hi\n"), await conn.ReadFrameAsync());

        string raw = await CreateExecAsync(container, """{"AttachStdout":true,"Tty":true,"Cmd":["echo","hi"]}""");
        using var conn2 = await RawConnection.OpenAsync(_server);
        await conn2.SendAsync(HijackStart(raw, """{"Tty":true}"""));
        Assert.Equal("application/vnd.docker.raw-stream", (await conn2.ReadHeadAsync()).Headers["Content-Type"]);
        Assert.Equal("hi\n", await conn2.ReadToEndAsync());
    }

    [Fact]
    public async Task A_missing_executable_is_reported_in_the_stream_with_exit_code_127()
    {
        string container = await RunningContainerAsync();
        string exec = await CreateExecAsync(container, """{"AttachStdout":true,"AttachStderr":true,"Cmd":["nosuchthing"]}""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(HijackStart(exec));
        Assert.Equal("HTTP/1.1 101 UPGRADED", (await conn.ReadHeadAsync()).StatusLine);
        Assert.Equal((1, "OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuchthing\": executable file not found in $PATH: unknown\r\n"),
            (await conn.ReadFrameAsync())!.Value);
        Assert.Null(await conn.ReadFrameAsync());
        var (_, inspect) = await _server.GetAsync($"/v1.44/exec/{exec}/json");
        Assert.Equal(127, inspect.GetProperty("ExitCode").GetInt32());
    }

    [Fact]
    public async Task A_failure_before_the_exec_such_as_a_missing_working_directory_is_exit_code_126()
    {
        string container = await RunningContainerAsync();
        string exec = await CreateExecAsync(container, """{"AttachStdout":true,"AttachStderr":true,"Cmd":["pwd"],"WorkingDir":"/no/such/dir"}""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(HijackStart(exec));
        Assert.Equal("HTTP/1.1 101 UPGRADED", (await conn.ReadHeadAsync()).StatusLine);
        Assert.Equal((1, "OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd (\"/no/such/dir\") set in config.json failed: no such file or directory: unknown\r\n"),
            (await conn.ReadFrameAsync())!.Value);
        var (_, inspect) = await _server.GetAsync($"/v1.44/exec/{exec}/json");
        Assert.Equal(126, inspect.GetProperty("ExitCode").GetInt32());
    }

    [Fact]
    public async Task Stdin_reaches_the_exec_and_a_half_close_ends_it()
    {
        string container = await RunningContainerAsync();
        string exec = await CreateExecAsync(container, """{"AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"Cmd":["cat"]}""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(HijackStart(exec));
        Assert.Equal("HTTP/1.1 101 UPGRADED", (await conn.ReadHeadAsync()).StatusLine);
        await conn.SendAsync("ping\n");
        Assert.Equal((1, "ping\n"), await conn.ReadFrameAsync());
        conn.Socket.Shutdown(SocketShutdown.Send);
        Assert.Null(await conn.ReadFrameAsync());
        var (_, inspect) = await _server.GetAsync($"/v1.44/exec/{exec}/json");
        Assert.Equal(0, inspect.GetProperty("ExitCode").GetInt32());
    }

    [Fact]
    public async Task Exec_defaults_to_the_containers_user_and_working_directory_and_adds_env()
    {
        string container = await RunningContainerAsync("\"User\":\"1000\",\"WorkingDir\":\"/srv\"");
        string exec = await CreateExecAsync(container, """{"AttachStdout":true,"Cmd":["env"],"Env":["A=1"]}""");
        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(HijackStart(exec));
        await conn.ReadHeadAsync();
        Assert.Equal((1, "user=1000 dir=/srv env=A=1\n"), await conn.ReadFrameAsync());

        string asRoot = await CreateExecAsync(container, """{"AttachStdout":true,"Cmd":["env"],"User":"root","WorkingDir":"/tmp"}""");
        using var conn2 = await RawConnection.OpenAsync(_server);
        await conn2.SendAsync(HijackStart(asRoot));
        await conn2.ReadHeadAsync();
        Assert.Equal((1, "user=root dir=/tmp env=\n"), await conn2.ReadFrameAsync());
    }

    [Fact]
    public async Task Detached_exec_runs_until_its_container_stops_then_reads_137()
    {
        string container = await RunningContainerAsync();
        string exec = await CreateExecAsync(container, """{"Cmd":["sleep"]}""");
        var (started, _) = await _server.PostAsync($"/v1.44/exec/{exec}/start", """{"Detach":true}""");
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var (_, running) = await _server.GetAsync($"/v1.44/exec/{exec}/json");
        Assert.True(running.GetProperty("Running").GetBoolean());
        Assert.True(running.GetProperty("Pid").GetInt32() > 0);
        Assert.Equal(JsonValueKind.Null, running.GetProperty("ExitCode").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await _server.PostAsync($"/v1.44/exec/{exec}/resize?h=30&w=100")).Response.StatusCode);

        await _server.PostAsync($"/v1.44/containers/{container}/kill");
        await EngineServer.EventuallyAsync(() => _server.GetAsync($"/v1.44/exec/{exec}/json").Result.Json.GetProperty("ExitCode").ValueKind == JsonValueKind.Number, "the exec to end");
        Assert.Equal(137, (await _server.GetAsync($"/v1.44/exec/{exec}/json")).Json.GetProperty("ExitCode").GetInt32());
    }

    [Fact]
    public async Task Refusals_use_dockerds_status_codes_and_words()
    {
        var (missing, missingJson) = await _server.PostAsync("/v1.44/containers/nope/exec", """{"Cmd":["echo"]}""");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("No such container: nope", missingJson.GetProperty("message").GetString());

        string created = await _server.CreateAsync(null, """["sleep"]""");
        var (stopped, stoppedJson) = await _server.PostAsync($"/v1.44/containers/{created}/exec", """{"Cmd":["echo"]}""");
        Assert.Equal(HttpStatusCode.Conflict, stopped.StatusCode);
        Assert.Equal($"Container {created} is not running", stoppedJson.GetProperty("message").GetString());

        string running = await RunningContainerAsync();
        var (empty, emptyJson) = await _server.PostAsync($"/v1.44/containers/{running}/exec", """{"Cmd":[]}""");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("No exec command specified", emptyJson.GetProperty("message").GetString());

        var (unknown, unknownJson) = await _server.GetAsync("/v1.44/exec/abc/json");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("No such exec instance: abc", unknownJson.GetProperty("message").GetString());

        using var conn = await RawConnection.OpenAsync(_server);
        await conn.SendAsync(HijackStart("abc"));
        Assert.Equal("HTTP/1.1 404 Not Found", (await conn.ReadHeadAsync()).StatusLine);

        // An exec whose container stopped between create and start.
        string exec = await CreateExecAsync(running, """{"Cmd":["echo","x"]}""");
        await _server.PostAsync($"/v1.44/containers/{running}/kill");
        await EngineServer.EventuallyAsync(() => _server.Backend.Get(running).State == Vic.PortLayer.ContainerRunState.Exited, "the container to stop");
        var (late, lateJson) = await _server.PostAsync($"/v1.44/exec/{exec}/start", """{"Detach":true}""");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal($"Container {running} is not running", lateJson.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Exec_events_follow_create_start_and_die()
    {
        string container = await RunningContainerAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1.44/events?filters=" + Uri.EscapeDataString("""{"event":["exec_create","exec_start","exec_die"]}"""));
        using var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string exec = await CreateExecAsync(container, """{"Cmd":["fail","3"]}""");
        await _server.PostAsync($"/v1.44/exec/{exec}/start", """{"Detach":true}""");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<JsonElement>();
        while (seen.Count < 3)
            seen.Add(JsonDocument.Parse((await reader.ReadLineAsync(timeout.Token))!).RootElement);
        Assert.Equal(["exec_create: fail 3", "exec_start: fail 3", "exec_die"], seen.Select(e => e.GetProperty("Action").GetString()));
        Assert.All(seen, e => Assert.Equal(exec, e.GetProperty("Actor").GetProperty("Attributes").GetProperty("execID").GetString()));
        Assert.Equal("3", seen[2].GetProperty("Actor").GetProperty("Attributes").GetProperty("exitCode").GetString());
    }
}
