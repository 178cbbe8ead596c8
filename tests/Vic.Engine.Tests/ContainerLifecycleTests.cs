using System.Net;
using System.Text.Json;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

public sealed class ContainerLifecycleTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ContainerRunState StateOf(string id) => _server.Backend.Get(id).State;

    [Fact]
    public async Task Pause_and_unpause_change_the_state_and_refuse_what_dockerd_refuses()
    {
        string id = await _server.CreateAsync("pausable", """["sleep"]""");
        var (notRunning, notRunningJson) = await _server.PostAsync($"/v1.44/containers/{id}/pause");
        Assert.Equal(HttpStatusCode.Conflict, notRunning.StatusCode);
        Assert.Equal($"Container {id} is not running", notRunningJson.GetProperty("message").GetString());

        await _server.PostAsync($"/v1.44/containers/{id}/start");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync("/v1.44/containers/pausable/pause")).Response.StatusCode);
        var (_, inspect) = await _server.GetAsync($"/v1.44/containers/{id}/json");
        Assert.Equal("paused", inspect.GetProperty("State").GetProperty("Status").GetString());
        Assert.True(inspect.GetProperty("State").GetProperty("Paused").GetBoolean());
        Assert.True(inspect.GetProperty("State").GetProperty("Running").GetBoolean());
        var (again, againJson) = await _server.PostAsync($"/v1.44/containers/{id}/pause");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"Container {id} is already paused", againJson.GetProperty("message").GetString());
        var (exec, execJson) = await _server.PostAsync($"/v1.44/containers/{id}/exec", """{"Cmd":["echo"]}""");
        Assert.Equal(HttpStatusCode.Conflict, exec.StatusCode);
        Assert.Equal($"Container {id} is paused, unpause the container before exec", execJson.GetProperty("message").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync($"/v1.44/containers/{id}/unpause")).Response.StatusCode);
        Assert.Equal(ContainerRunState.Running, StateOf(id));
        var (notPaused, notPausedJson) = await _server.PostAsync($"/v1.44/containers/{id}/unpause");
        Assert.Equal(HttpStatusCode.Conflict, notPaused.StatusCode);
        Assert.Equal($"Container {id} is not paused", notPausedJson.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Start_is_204_then_304_when_already_running()
    {
        string id = await _server.CreateAsync("sv", """["sleep"]""");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync($"/v1.44/containers/{id}/start")).Response.StatusCode);
        Assert.Equal(ContainerRunState.Running, StateOf(id));
        Assert.Equal(HttpStatusCode.NotModified, (await _server.PostAsync("/v1.44/containers/sv/start")).Response.StatusCode);

        var (_, inspect) = await _server.GetAsync("/containers/sv/json");
        var state = inspect.GetProperty("State");
        Assert.True(state.GetProperty("Running").GetBoolean());
        Assert.Equal("running", state.GetProperty("Status").GetString());
        Assert.Equal(4242, state.GetProperty("Pid").GetInt32());
        Assert.NotEqual("0001-01-01T00:00:00Z", state.GetProperty("StartedAt").GetString());
    }

    [Fact]
    public async Task Stop_is_204_then_304_when_not_running()
    {
        string id = await _server.CreateAsync("st", """["sleep"]""");
        Assert.Equal(HttpStatusCode.NotModified, (await _server.PostAsync("/containers/st/stop")).Response.StatusCode);
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync("/containers/st/stop?t=1")).Response.StatusCode);
        Assert.Equal(ContainerRunState.Exited, StateOf(id));
        Assert.Equal([15], _server.Backend.Get(id).Signals);
    }

    [Fact]
    public async Task Restart_stops_and_starts_again()
    {
        string id = await _server.CreateAsync("rs", """["sleep"]""");
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync("/containers/rs/restart?t=0")).Response.StatusCode);
        Assert.Equal(ContainerRunState.Running, StateOf(id));
        Assert.Equal(2, _server.Backend.Get(id).Runs);
    }

    [Theory]
    [InlineData("", 9)]
    [InlineData("?signal=SIGKILL", 9)]
    [InlineData("?signal=KILL", 9)]
    [InlineData("?signal=9", 9)]
    [InlineData("?signal=term", 15)]
    [InlineData("?signal=SIGHUP", 1)]
    [InlineData("?signal=RTMIN%2B2", 36)]
    public async Task Kill_accepts_names_and_numbers(string query, int expected)
    {
        string id = await _server.CreateAsync("kl", """["sleep"]""");
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync("/containers/kl/kill" + query)).Response.StatusCode);
        Assert.Equal([expected], _server.Backend.Get(id).Signals);
    }

    [Theory]
    [InlineData("FOO")]
    [InlineData("0")]
    [InlineData("SIGNOPE")]
    public async Task Kill_with_an_invalid_signal_is_400(string signal)
    {
        await _server.CreateAsync("kl", """["sleep"]""");
        var (response, json) = await _server.PostAsync("/containers/kl/kill?signal=" + signal);
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid signal: " + signal), (response.StatusCode, json.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Kill_of_a_stopped_container_is_409_with_dockerds_message()
    {
        string id = await _server.CreateAsync("kk", """["sleep"]""");
        var (response, json) = await _server.PostAsync("/containers/kk/kill");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal($"Cannot kill container: kk: Container {id} is not running", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Removing_a_running_container_needs_force()
    {
        string id = await _server.CreateAsync("busy", """["sleep"]""");
        await _server.PostAsync($"/containers/{id}/start");
        var (response, json) = await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/containers/busy");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("cannot remove container \"/busy\": container is running: stop the container before removing or force remove",
            json.GetProperty("message").GetString());

        var (forced, _) = await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/containers/busy?force=1&v=1");
        Assert.Equal(HttpStatusCode.NoContent, forced.StatusCode);
        Assert.Empty(_server.Backend.All);
        var (gone, goneJson) = await _server.SendJsonAsync(HttpMethod.Delete, "/containers/busy");
        Assert.Equal((HttpStatusCode.NotFound, "No such container: busy"), (gone.StatusCode, goneJson.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Wait_flushes_headers_first_then_reports_the_exit_code()
    {
        string id = await _server.CreateAsync("wt", """["sleep"]""");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1.44/containers/{id}/wait?condition=next-exit");
        // Headers must arrive while the container has not even started (the CLI waits for them before starting).
        var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        var body = response.Content.ReadAsStringAsync();
        Assert.False(body.IsCompleted);

        await _server.PostAsync($"/containers/{id}/start");
        await _server.PostAsync($"/containers/{id}/kill?signal=TERM");
        var json = JsonDocument.Parse(await body.WaitAsync(TimeSpan.FromSeconds(10))).RootElement;
        Assert.Equal(143, json.GetProperty("StatusCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("Error").ValueKind);
    }

    [Fact]
    public async Task Wait_not_running_on_an_exited_container_returns_at_once()
    {
        string id = await _server.CreateAsync("fl", """["fail","3"]""");
        await _server.PostAsync($"/containers/{id}/start");
        await EngineServer.EventuallyAsync(() => StateOf(id) == ContainerRunState.Exited, "exit");
        var (response, json) = await _server.PostAsync("/containers/fl/wait");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, json.GetProperty("StatusCode").GetInt32());

        var (bad, badJson) = await _server.PostAsync("/containers/fl/wait?condition=sometime");
        Assert.Equal((HttpStatusCode.BadRequest, "invalid condition: \"sometime\""), (bad.StatusCode, badJson.GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("nosuchcmd", "failed to create task for container: exec: \"nosuchcmd\": executable file not found in $PATH: unknown")]
    [InlineData("noperm", "failed to create task for container: exec: \"noperm\": permission denied: unknown")]
    public async Task A_launch_failure_is_400_with_the_words_the_CLI_turns_into_127_or_126(string cmd, string message)
    {
        await _server.CreateAsync("bad", $"[\"{cmd}\"]");
        var (response, json) = await _server.PostAsync("/containers/bad/start");
        Assert.Equal((HttpStatusCode.BadRequest, message), (response.StatusCode, json.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task AutoRemove_removes_the_container_when_it_exits()
    {
        string id = await _server.CreateAsync("rm", """["echo","bye"]""", """ "HostConfig":{"AutoRemove":true}""");
        // As the CLI does for docker run --rm: the wait's headers arrive before the start is sent, so the
        // waiter is registered before the container can exit and be removed.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1.44/containers/{id}/wait?condition=removed");
        using var wait = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, wait.StatusCode);
        await _server.PostAsync($"/containers/{id}/start");
        await EngineServer.EventuallyAsync(() => _server.Backend.All.Count == 0, "auto-removal");
        var json = JsonDocument.Parse(await wait.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(10))).RootElement;
        Assert.Equal(0, json.GetProperty("StatusCode").GetInt32());
    }

    [Fact]
    public async Task AutoRemove_also_cleans_up_when_the_start_fails()
    {
        await _server.CreateAsync("rmbad", """["nosuchcmd"]""", """ "HostConfig":{"AutoRemove":true}""");
        var (response, _) = await _server.PostAsync("/containers/rmbad/start");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_server.Backend.All);
    }

    [Fact]
    public async Task AutoRemove_containers_that_exited_while_the_VCH_was_down_are_removed_at_startup()
    {
        string id = await _server.CreateAsync("left", """["echo"]""", """ "HostConfig":{"AutoRemove":true}""");
        string keep = await _server.CreateAsync("keep", """["echo"]""");
        var exited = new ContainerStatus { State = ContainerRunState.Exited, ExitCode = 0, FinishedAt = DateTimeOffset.UtcNow };
        var left = _server.Backend.Get(id).Info with { Status = exited };
        var kept = _server.Backend.Get(keep).Info with { Status = exited };

        await using var restarted = await EngineServer.StartAsync(b => { b.Seed(left); b.Seed(kept); });
        await EngineServer.EventuallyAsync(() => restarted.Backend.All.Count == 1, "startup sweep");
        Assert.Equal(keep, restarted.Backend.All.Single().Info.Spec.Id);
    }

    [Fact]
    public async Task Rename_checks_names_and_conflicts()
    {
        string id = await _server.CreateAsync("old", """["echo"]""");
        string other = await _server.CreateAsync("other", """["echo"]""");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.PostAsync("/containers/old/rename?name=new")).Response.StatusCode);
        Assert.Equal("new", _server.Backend.Get(id).Info.Spec.Name);
        Assert.Contains("docker.config", _server.Backend.Get(id).Info.Spec.Annotations.Keys);

        var (conflict, json) = await _server.PostAsync("/containers/new/rename?name=other");
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains($"is already in use by container \"{other}\"", json.GetProperty("message").GetString());
        var (invalid, _) = await _server.PostAsync("/containers/new/rename?name=-x");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task Resize_reaches_the_port_layer_and_needs_a_running_container()
    {
        string id = await _server.CreateAsync("tty", """["sleep"]""", "\"Tty\":true");
        var (notRunning, _) = await _server.PostAsync("/containers/tty/resize?h=40&w=120");
        Assert.Equal(HttpStatusCode.Conflict, notRunning.StatusCode);
        await _server.PostAsync($"/containers/{id}/start");
        Assert.Equal(HttpStatusCode.OK, (await _server.PostAsync("/containers/tty/resize?h=40&w=120")).Response.StatusCode);
        Assert.Equal(((ushort)40, (ushort)120), _server.Backend.Get(id).Size);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.PostAsync("/containers/tty/resize?h=x&w=1")).Response.StatusCode);
    }

    [Fact]
    public async Task Operations_not_built_yet_say_so_with_501()
    {
        await _server.CreateAsync("pz", """["sleep"]""");
        var (response, json) = await _server.GetAsync("/containers/pz/export");
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Contains("not supported", json.GetProperty("message").GetString());
    }
}
