using System.Net;
using System.Text;
using System.Text.Json;
using Vic.Engine.Tests.Fakes;

namespace Vic.Engine.Tests;

/// <summary>Image, volume and network events: what dockerd logs for each operation, its actor and attributes, and the
/// legacy status/id/from fields as dockerd fills them per type.</summary>
public sealed class EventTypeTests : IAsyncLifetime
{
    private const string LoadedId = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync(backend => backend.Volumes = new FakeVolumes(backend));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<StreamReader> ListenAsync(string filters)
    {
        var response = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1.44/events?filters=" + Uri.EscapeDataString(filters)),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new StreamReader(await response.Content.ReadAsStreamAsync());
    }

    private static async Task<List<JsonElement>> ReadAsync(StreamReader reader, int count)
    {
        var events = new List<JsonElement>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (events.Count < count)
            events.Add(JsonDocument.Parse((await reader.ReadLineAsync(timeout.Token))!).RootElement.Clone());
        return events;
    }

    private static string Action(JsonElement e) => e.GetProperty("Action").GetString()!;
    private static string ActorId(JsonElement e) => e.GetProperty("Actor").GetProperty("ID").GetString()!;
    private static string Attribute(JsonElement e, string key) => e.GetProperty("Actor").GetProperty("Attributes").GetProperty(key).GetString()!;

    private async Task SendAsync(HttpMethod method, string path, HttpContent? content = null, bool auth = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (auth)
            request.Headers.Add("X-Registry-Auth", Convert.ToBase64String("{}"u8.ToArray()));
        var response = await _server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task Image_operations_are_image_events_with_dockerds_actors_and_names()
    {
        _server.Images.Add(LoadedId, "loaded:latest", new Vic.ImageC.ImageConfig());
        using var reader = await ListenAsync("""{"type":["image"]}""");

        await SendAsync(HttpMethod.Post, "/v1.44/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=latest", auth: true);
        await SendAsync(HttpMethod.Post, "/v1.44/images/busybox/tag?repo=myrepo&tag=v1");
        await SendAsync(HttpMethod.Delete, "/v1.44/images/myrepo:v1");
        await SendAsync(HttpMethod.Post, "/v1.44/images/busybox/push?tag=latest", auth: true);
        await SendAsync(HttpMethod.Get, "/v1.44/images/get?names=busybox&names=" + FakeImageService.BusyboxId);
        await SendAsync(HttpMethod.Post, "/v1.44/images/load", new ByteArrayContent("archive"u8.ToArray()));
        await SendAsync(HttpMethod.Post, "/v1.44/images/create?fromSrc=-&repo=imported&tag=1", new ByteArrayContent("layer"u8.ToArray()));

        var events = await ReadAsync(reader, 7);
        Assert.Equal(["pull", "tag", "untag", "push", "save", "load", "import"], events.Select(Action));
        Assert.All(events, e => Assert.Equal("image", e.GetProperty("Type").GetString()));
        // Pull and push name the familiar reference; the rest name the image by ID.
        Assert.Equal(("busybox:latest", "busybox:latest"), (ActorId(events[0]), Attribute(events[0], "name")));
        Assert.Equal((FakeImageService.BusyboxId, "myrepo:v1"), (ActorId(events[1]), Attribute(events[1], "name")));
        Assert.Equal((FakeImageService.BusyboxId, FakeImageService.BusyboxId), (ActorId(events[2]), Attribute(events[2], "name")));
        Assert.Equal("busybox:latest", ActorId(events[3]));
        Assert.Equal(FakeImageService.BusyboxId, ActorId(events[4])); // two names of one image: one save
        Assert.Equal((LoadedId, LoadedId), (ActorId(events[5]), Attribute(events[5], "name")));
        Assert.StartsWith("sha256:", ActorId(events[6]));
        // The image's labels are among the attributes; image events carry status and id but no from.
        Assert.Equal("busybox", Attribute(events[1], "org.example.base"));
        Assert.Equal("tag", events[1].GetProperty("status").GetString());
        Assert.Equal(FakeImageService.BusyboxId, events[1].GetProperty("id").GetString());
        Assert.False(events[1].TryGetProperty("from", out _));
    }

    [Fact]
    public async Task Removing_the_last_reference_untags_then_deletes()
    {
        _server.Images.Add(LoadedId, "loaded:latest", new Vic.ImageC.ImageConfig());
        using var reader = await ListenAsync("""{"type":["image"]}""");
        await SendAsync(HttpMethod.Delete, "/v1.44/images/loaded:latest");
        var events = await ReadAsync(reader, 2);
        Assert.Equal(["untag", "delete"], events.Select(Action));
        Assert.All(events, e => Assert.Equal(LoadedId, ActorId(e)));
    }

    [Fact]
    public async Task Volumes_are_created_mounted_unmounted_destroyed_and_pruned()
    {
        using var reader = await ListenAsync("""{"type":["volume"]}""");
        await _server.PostAsync("/v1.44/volumes/create", """{"Name":"data"}""");
        string id = await _server.CreateAsync("vol-user", """["fail","3"]""", """ "HostConfig":{"Binds":["data:/data:ro"]}""");
        await _server.PostAsync($"/v1.44/containers/{id}/start");
        await EngineServer.EventuallyAsync(() => _server.Backend.Get(id).State == Vic.PortLayer.ContainerRunState.Exited, "exit");
        await _server.SendJsonAsync(HttpMethod.Delete, $"/v1.44/containers/{id}");
        await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/volumes/data");
        await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/volumes/data?force=1"); // gone already: nothing removed, nothing logged
        await _server.PostAsync("/v1.44/volumes/prune");

        var events = await ReadAsync(reader, 6);
        // The container's create names the volume again: dockerd's volume service logs every create call.
        Assert.Equal(["create", "create", "mount", "unmount", "destroy", "prune"], events.Select(Action));
        Assert.All(events.Take(5), e => Assert.Equal("data", ActorId(e)));
        Assert.Equal("local", Attribute(events[0], "driver"));
        var mount = events[2];
        Assert.Equal((id, "/data", "false", ""), (Attribute(mount, "container"), Attribute(mount, "destination"), Attribute(mount, "read/write"), Attribute(mount, "propagation")));
        Assert.Equal(id, Attribute(events[3], "container"));
        Assert.Equal(("", "0"), (ActorId(events[5]), Attribute(events[5], "reclaimed")));
        Assert.All(events, e => Assert.False(e.TryGetProperty("status", out _) || e.TryGetProperty("id", out _) || e.TryGetProperty("from", out _)));
    }

    [Fact]
    public async Task Networks_log_create_connect_disconnect_destroy_and_prune()
    {
        using var reader = await ListenAsync("""{"type":["network"]}""");
        var (_, created) = await _server.PostAsync("/v1.44/networks/create", """{"Name":"front"}""");
        string front = created.GetProperty("Id").GetString()!;
        await _server.PostAsync("/v1.44/networks/create", """{"Name":"back"}""");
        string id = await _server.CreateAsync("net-user", """["sleep"]""", """ "HostConfig":{"NetworkMode":"front"}""");
        await _server.PostAsync($"/v1.44/containers/{id}/start");
        await _server.PostAsync("/v1.44/networks/back/connect", $$"""{"Container":"{{id}}"}""");
        await _server.PostAsync("/v1.44/networks/back/disconnect", $$"""{"Container":"{{id}}"}""");
        await _server.PostAsync($"/v1.44/containers/{id}/kill");
        await EngineServer.EventuallyAsync(() => _server.Backend.Get(id).State == Vic.PortLayer.ContainerRunState.Exited, "exit");
        await _server.SendJsonAsync(HttpMethod.Delete, $"/v1.44/containers/{id}");
        await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/networks/front");
        await _server.PostAsync("/v1.44/networks/prune");

        var events = await ReadAsync(reader, 9);
        Assert.Equal(["create", "create", "connect", "connect", "disconnect", "disconnect", "destroy", "destroy", "prune"], events.Select(Action));
        Assert.Equal((front, "front", "bridge"), (ActorId(events[0]), Attribute(events[0], "name"), Attribute(events[0], "type")));
        Assert.Equal(("front", id), (Attribute(events[2], "name"), Attribute(events[2], "container")));
        Assert.Equal(("back", id), (Attribute(events[3], "name"), Attribute(events[3], "container")));
        Assert.Equal("back", Attribute(events[4], "name"));
        Assert.Equal(("front", id), (Attribute(events[5], "name"), Attribute(events[5], "container")));
        Assert.Equal(["front", "back"], events.Skip(6).Take(2).Select(e => Attribute(e, "name")));
        Assert.Equal("0", Attribute(events[8], "reclaimed"));
        Assert.All(events, e => Assert.False(e.TryGetProperty("status", out _) || e.TryGetProperty("id", out _)));
    }

    [Fact]
    public async Task A_start_logs_connect_and_mount_before_it_and_a_die_disconnect_and_unmount_before_it()
    {
        using var reader = await ListenAsync("""{"event":["connect","mount","start","disconnect","unmount","die"]}""");
        string id = await _server.CreateAsync("ordered", """["fail","1"]""", """ "HostConfig":{"Binds":["v1:/v"]}""");
        await _server.PostAsync($"/v1.44/containers/{id}/start");
        var events = await ReadAsync(reader, 6);
        Assert.Equal(["network connect", "volume mount", "container start", "network disconnect", "volume unmount", "container die"],
            events.Select(e => e.GetProperty("Type").GetString() + " " + Action(e)));
    }

    [Fact]
    public async Task Container_events_carry_the_containers_labels_and_filters_combine_as_dockerd()
    {
        using var byLabel = await ListenAsync("""{"label":["tier=web"],"event":["create"]}""");
        using var byImage = await ListenAsync("""{"image":["busybox"],"event":["create","tag"]}""");
        await _server.CreateAsync("unlabelled", """["sleep"]""");
        string id = await _server.CreateAsync("labelled", """["sleep"]""", """ "Labels":{"tier":"web"}""");
        await SendAsync(HttpMethod.Post, "/v1.44/images/busybox/tag?repo=busybox&tag=2");
        string epId = await _server.CreateAsync("ep-user", """["x"]""", image: "ep");
        await SendAsync(HttpMethod.Post, "/v1.44/images/ep/tag?repo=ep2");
        string last = await _server.CreateAsync("last", """["sleep"]""", """ "Labels":{"tier":"web"}""");

        var labelled = await ReadAsync(byLabel, 2);
        Assert.Equal([id, last], labelled.Select(ActorId));
        Assert.Equal("web", Attribute(labelled[0], "tier"));
        // image=busybox: the containers made from it (create) and events of the image named busybox (a tag busybox:2),
        // not ep's.
        var fromBusybox = await ReadAsync(byImage, 4);
        Assert.Equal(["create", "create", "tag", "create"], fromBusybox.Select(Action));
        Assert.DoesNotContain(fromBusybox, e => ActorId(e) == epId);
    }
}
