using System.Net;
using System.Text.Json;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

public sealed class ContainerListTests : IAsyncLifetime
{
    private EngineServer _server = null!;
    private string _running = "", _failed = "", _created = "", _other = "";

    public async Task InitializeAsync()
    {
        _server = await EngineServer.StartAsync();
        _created = await _server.CreateAsync("created1", """["echo"]""", """ "Labels":{"tier":"db"}""");
        await Task.Delay(15); // distinct Created times for before/since
        _failed = await _server.CreateAsync("failed1", """["fail","3"]""", """ "Labels":{"tier":"web","x":"1"}""");
        await Task.Delay(15);
        _running = await _server.CreateAsync("running1", """["sleep"]""", """ "Labels":{"tier":"web"}""");
        await Task.Delay(15);
        _other = await _server.CreateAsync("other1", "null", "\"Entrypoint\":[\"sleep\"]", image: "ep");
        foreach (var id in (string[])[_failed, _running, _other])
            await _server.PostAsync($"/containers/{id}/start");
        await EngineServer.EventuallyAsync(() => _server.Backend.Get(_failed).State == ContainerRunState.Exited, "exit");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<List<string>> NamesAsync(string query)
    {
        var (response, json) = await _server.GetAsync("/v1.44/containers/json" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
        return json.EnumerateArray().Select(c => c.GetProperty("Names")[0].GetString()!).ToList();
    }

    private static string Filters(string json) => "filters=" + Uri.EscapeDataString(json);

    [Fact]
    public async Task Default_lists_running_newest_first_and_all_lists_everything()
    {
        Assert.Equal(["/other1", "/running1"], await NamesAsync(""));
        Assert.Equal(["/other1", "/running1", "/failed1", "/created1"], await NamesAsync("?all=1"));
        Assert.Equal(["/other1", "/running1"], await NamesAsync("?limit=2"));
    }

    [Fact]
    public async Task Entries_have_the_docker_shape_and_status_text()
    {
        var (_, json) = await _server.GetAsync("/containers/json?all=1");
        var byName = json.EnumerateArray().ToDictionary(c => c.GetProperty("Names")[0].GetString()!);
        var running = byName["/running1"];
        Assert.Equal(_running, running.GetProperty("Id").GetString());
        Assert.Equal("busybox", running.GetProperty("Image").GetString());
        Assert.Equal(FakesIds.Busybox, running.GetProperty("ImageID").GetString());
        Assert.Equal("sleep", running.GetProperty("Command").GetString());
        Assert.Equal(JsonValueKind.Number, running.GetProperty("Created").ValueKind);
        Assert.Equal("running", running.GetProperty("State").GetString());
        Assert.StartsWith("Up ", running.GetProperty("Status").GetString());
        Assert.Equal(JsonValueKind.Array, running.GetProperty("Ports").ValueKind);
        Assert.Equal(JsonValueKind.Array, running.GetProperty("Mounts").ValueKind);
        Assert.Equal("web", running.GetProperty("Labels").GetProperty("tier").GetString());
        Assert.Equal("default", running.GetProperty("HostConfig").GetProperty("NetworkMode").GetString());
        Assert.Equal(JsonValueKind.Object, running.GetProperty("NetworkSettings").GetProperty("Networks").ValueKind);

        Assert.Matches(@"^Exited \(3\) (Less than a second|\d+ seconds?) ago$", byName["/failed1"].GetProperty("Status").GetString());
        Assert.Equal("Created", byName["/created1"].GetProperty("Status").GetString());
        Assert.Equal("created", byName["/created1"].GetProperty("State").GetString());
    }

    [Fact]
    public async Task Filters_status_name_id_label_ancestor_exited()
    {
        Assert.Equal(["/failed1"], await NamesAsync("?" + Filters("""{"status":["exited"]}""")));
        Assert.Equal(["/created1"], await NamesAsync("?all=1&" + Filters("""{"status":{"created":true}}""")));
        Assert.Equal(["/running1"], await NamesAsync("?all=1&" + Filters("""{"name":["running"]}""")));
        Assert.Equal(["/failed1", "/created1"], await NamesAsync("?all=1&" + Filters("""{"name":["1$"],"label":["tier"],"status":["exited","created"]}""")));
        Assert.Equal(["/created1"], await NamesAsync("?all=1&" + Filters($$"""{"id":["{{_created[..10]}}"]}""")));
        Assert.Equal(["/running1", "/failed1"], await NamesAsync("?all=1&" + Filters("""{"label":["tier=web"]}""")));
        Assert.Equal(["/failed1"], await NamesAsync("?all=1&" + Filters("""{"label":["tier=web","x"]}""")));
        Assert.Equal(["/other1"], await NamesAsync("?all=1&" + Filters("""{"ancestor":["ep"]}""")));
        Assert.Equal(["/failed1"], await NamesAsync("?all=1&" + Filters("""{"exited":["3"]}""")));
        Assert.Empty(await NamesAsync("?all=1&" + Filters("""{"exited":["0"]}""")));
    }

    [Fact]
    public async Task Filters_before_and_since()
    {
        Assert.Equal(["/failed1", "/created1"], await NamesAsync("?all=1&" + Filters("""{"before":["running1"]}""")));
        Assert.Equal(["/other1", "/running1"], await NamesAsync("?all=1&" + Filters("""{"since":["failed1"]}""")));
    }

    [Fact]
    public async Task Invalid_filters_are_400()
    {
        var (badKey, keyJson) = await _server.GetAsync("/containers/json?" + Filters("""{"colour":["red"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid filter 'colour'"), (badKey.StatusCode, keyJson.GetProperty("message").GetString()));
        var (badStatus, statusJson) = await _server.GetAsync("/containers/json?" + Filters("""{"status":["sleeping"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "Unrecognised filter value for status: sleeping"), (badStatus.StatusCode, statusJson.GetProperty("message").GetString()));
        var (badJson, _) = await _server.GetAsync("/containers/json?filters=%7Bnope");
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
    }

    [Fact]
    public async Task Sizes_come_only_when_asked_and_add_the_image_to_the_changes()
    {
        _server.Backend.Files.Sizes[_failed] = 5_242_880;
        var (_, plain) = await _server.GetAsync("/v1.44/containers/json?all=1");
        Assert.All(plain.EnumerateArray(), c => Assert.False(c.TryGetProperty("SizeRw", out _)));

        var (_, sized) = await _server.GetAsync("/v1.44/containers/json?all=1&size=1");
        var failed = sized.EnumerateArray().Single(c => c.GetProperty("Id").GetString() == _failed);
        Assert.Equal(5_242_880, failed.GetProperty("SizeRw").GetInt64());
        Assert.Equal(5_242_880 + 4_200_000, failed.GetProperty("SizeRootFs").GetInt64()); // the fake busybox is 4.2 MB
        // One the backend cannot measure now gets no figures; the list still answers.
        var running = sized.EnumerateArray().Single(c => c.GetProperty("Id").GetString() == _running);
        Assert.False(running.TryGetProperty("SizeRw", out _));

        var (_, inspect) = await _server.GetAsync("/v1.44/containers/failed1/json?size=1");
        Assert.Equal(5_242_880, inspect.GetProperty("SizeRw").GetInt64());
        Assert.Equal(9_442_880, inspect.GetProperty("SizeRootFs").GetInt64());
        var (_, unsized) = await _server.GetAsync("/v1.44/containers/failed1/json");
        Assert.False(unsized.TryGetProperty("SizeRw", out _));
    }
}

internal static class FakesIds
{
    public const string Busybox = Fakes.FakeImageService.BusyboxId;
}
