using System.Net;
using System.Text.Json;
using Vic.ImageC;

namespace Vic.Engine.Tests;

/// <summary>Health checks through the API: validation, the image's check merged into the container's, State.Health,
/// the ps column and the health filter.</summary>
public sealed class HealthApiTests : IAsyncLifetime
{
    private const string HealthyImageId = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    private EngineServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await EngineServer.StartAsync();
        _server.Images.Add(HealthyImageId, "checked:latest", new ImageConfig
        {
            Cmd = ["sleep"],
            Healthcheck = new ImageHealthcheck { Test = ["CMD-SHELL", "exit 0"], Interval = 60_000_000_000, Timeout = 3_000_000_000 },
        });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("""{"Interval":-10000000}""", "Interval in Healthcheck cannot be less than 1ms")]
    [InlineData("""{"Test":["CMD","x"],"Timeout":500000}""", "Timeout in Healthcheck cannot be less than 1ms")]
    [InlineData("""{"Retries":-1}""", "Retries in Healthcheck cannot be negative")]
    public async Task A_bad_check_is_a_400_and_creates_nothing(string healthcheck, string message)
    {
        var (response, json) = await _server.PostAsync("/v1.44/containers/create?name=bad", $$"""{"Image":"busybox","Cmd":["sleep"],"Healthcheck":{{healthcheck}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, json.GetProperty("message").GetString());
        Assert.Empty(_server.Backend.All);
    }

    [Fact]
    public async Task The_images_check_fills_the_containers_and_shows_in_image_inspect()
    {
        var (_, image) = await _server.GetAsync("/v1.44/images/checked/json");
        Assert.Equal("""{"Test":["CMD-SHELL","exit 0"],"Interval":60000000000,"Timeout":3000000000}""", image.GetProperty("Config").GetProperty("Healthcheck").GetRawText());

        string inherited = await _server.CreateAsync("inherits", "[]", image: "checked");
        string overridden = await _server.CreateAsync("overrides", "[]", "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Retries\":5}", image: "checked");
        string disabled = await _server.CreateAsync("disabled", "[]", "\"Healthcheck\":{\"Test\":[\"NONE\"]}", image: "checked");
        Assert.Equal("""{"Test":["CMD-SHELL","exit 0"],"Interval":60000000000,"Timeout":3000000000}""", await HealthcheckOfAsync(inherited));
        Assert.Equal("""{"Test":["CMD","true"],"Interval":60000000000,"Timeout":3000000000,"Retries":5}""", await HealthcheckOfAsync(overridden));
        Assert.Equal("""{"Test":["NONE"],"Interval":60000000000,"Timeout":3000000000}""", await HealthcheckOfAsync(disabled));
    }

    [Fact]
    public async Task Clients_older_than_1_44_cannot_set_a_start_interval()
    {
        var (response, json) = await _server.PostAsync("/v1.43/containers/create", """{"Image":"busybox","Cmd":["sleep"],"Healthcheck":{"Test":["CMD","x"],"StartInterval":2000000000}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("""{"Test":["CMD","x"]}""", await HealthcheckOfAsync(json.GetProperty("Id").GetString()!));
    }

    [Fact]
    public async Task A_started_container_reads_starting_in_inspect_and_ps_and_filters_by_health()
    {
        string created = await _server.CreateAsync("never-started", """["sleep"]""", "\"Healthcheck\":{\"Test\":[\"CMD\",\"x\"]}");
        string plain = await _server.CreateAsync("plain", """["sleep"]""");
        string probed = await _server.CreateAsync("probed", """["sleep"]""", "\"Healthcheck\":{\"Test\":[\"CMD\",\"x\"]}");
        await _server.PostAsync($"/containers/{plain}/start");
        await _server.PostAsync($"/containers/{probed}/start");

        // The monitor handles the start on its own loop; the first probe is 30 s away, so it stays "starting".
        JsonElement state = default;
        bool seen = false;
        for (int i = 0; i < 250 && !seen; i++)
        {
            if (i > 0)
                await Task.Delay(20);
            state = (await _server.GetAsync($"/v1.44/containers/{probed}/json")).Json.GetProperty("State");
            seen = state.TryGetProperty("Health", out _);
        }
        Assert.Equal("""{"Status":"starting","FailingStreak":0,"Log":[]}""", state.GetProperty("Health").GetRawText());
        var (_, neverStarted) = await _server.GetAsync($"/v1.44/containers/{created}/json");
        Assert.False(neverStarted.GetProperty("State").TryGetProperty("Health", out _));

        var (_, list) = await _server.GetAsync("/v1.44/containers/json");
        var status = list.EnumerateArray().ToDictionary(c => c.GetProperty("Id").GetString()!, c => c.GetProperty("Status").GetString()!);
        Assert.EndsWith("(health: starting)", status[probed]);
        Assert.DoesNotContain("(", status[plain]);

        Assert.Equal([probed], await IdsAsync("""{"health":["starting"]}"""));
        Assert.Equal([plain], await IdsAsync("""{"health":["none"]}"""));
        Assert.Empty(await IdsAsync("""{"health":["healthy","unhealthy"]}"""));
        var (response, json) = await _server.GetAsync("/v1.44/containers/json?filters=" + Uri.EscapeDataString("""{"health":["sick"]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Unrecognised filter value for health: sick", json.GetProperty("message").GetString());
    }

    private async Task<string> HealthcheckOfAsync(string id)
    {
        var (_, json) = await _server.GetAsync($"/v1.44/containers/{id}/json");
        return json.GetProperty("Config").GetProperty("Healthcheck").GetRawText();
    }

    private async Task<List<string>> IdsAsync(string filters)
    {
        var (response, json) = await _server.GetAsync("/v1.44/containers/json?filters=" + Uri.EscapeDataString(filters));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return json.EnumerateArray().Select(c => c.GetProperty("Id").GetString()!).ToList();
    }
}
