using System.Net;
using System.Text.Json;

namespace Vic.Engine.Tests;

public sealed class EventTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Container_state_changes_stream_as_docker_events()
    {
        var filters = Uri.EscapeDataString("""{"type":["container"],"event":["create","start","die","destroy"]}""");
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1.44/events?filters=" + filters);
        var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        string id = await _server.CreateAsync("evented", """["fail","2"]""");
        await _server.PostAsync($"/containers/{id}/start");
        await EngineServer.EventuallyAsync(() => _server.Backend.Get(id).State == Vic.PortLayer.ContainerRunState.Exited, "exit");
        await _server.SendJsonAsync(HttpMethod.Delete, $"/containers/{id}");

        var events = new List<JsonElement>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (events.Count < 4)
            events.Add(JsonDocument.Parse((await reader.ReadLineAsync(timeout.Token))!).RootElement);
        Assert.Equal(["create", "start", "die", "destroy"], events.Select(e => e.GetProperty("Action").GetString()));
        Assert.All(events, e => Assert.Equal(id, e.GetProperty("Actor").GetProperty("ID").GetString()));
        Assert.Equal("evented", events[0].GetProperty("Actor").GetProperty("Attributes").GetProperty("name").GetString());
        Assert.Equal("busybox", events[1].GetProperty("from").GetString());
        Assert.Equal("2", events[2].GetProperty("Actor").GetProperty("Attributes").GetProperty("exitCode").GetString());
        Assert.Equal("container", events[3].GetProperty("Type").GetString());
        Assert.True(events[0].GetProperty("timeNano").GetInt64() > 0);
    }

    [Fact]
    public async Task Pause_and_unpause_are_events_of_their_own()
    {
        var filters = Uri.EscapeDataString("""{"event":["start","pause","unpause"]}""");
        var response = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1.44/events?filters=" + filters), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string id = await _server.CreateAsync(null, """["sleep"]""");
        await _server.PostAsync($"/containers/{id}/start");
        await _server.PostAsync($"/containers/{id}/pause");
        await _server.PostAsync($"/containers/{id}/unpause");
        var actions = new List<string?>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (actions.Count < 3)
            actions.Add(JsonDocument.Parse((await reader.ReadLineAsync(timeout.Token))!).RootElement.GetProperty("Action").GetString());
        Assert.Equal(["start", "pause", "unpause"], actions);
    }

    [Fact]
    public async Task An_until_in_the_past_ends_the_stream()
    {
        var response = await _server.Client.GetAsync("/events?until=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }
}
