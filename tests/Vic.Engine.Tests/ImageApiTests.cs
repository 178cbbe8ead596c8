using System.Net;
using System.Text;
using System.Text.Json;

namespace Vic.Engine.Tests;

public sealed class ImageApiTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Filters(string json) => "filters=" + Uri.EscapeDataString(json);

    [Fact]
    public async Task List_has_the_docker_shape_and_drops_VirtualSize_from_1_44()
    {
        var (response, json) = await _server.GetAsync("/v1.44/images/json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var busybox = json.EnumerateArray().Single(i => i.GetProperty("Id").GetString() == FakesIds.Busybox);
        Assert.Equal(["busybox:latest", "127.0.0.1:5000/busybox:latest"], busybox.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(JsonValueKind.Array, busybox.GetProperty("RepoDigests").ValueKind);
        Assert.Equal(JsonValueKind.Number, busybox.GetProperty("Created").ValueKind);
        Assert.Equal(4_200_000, busybox.GetProperty("Size").GetInt64());
        Assert.Equal(-1, busybox.GetProperty("SharedSize").GetInt64());
        Assert.Equal(-1, busybox.GetProperty("Containers").GetInt64());
        Assert.Equal("", busybox.GetProperty("ParentId").GetString());
        Assert.False(busybox.TryGetProperty("VirtualSize", out _));

        var (_, old) = await _server.GetAsync("/v1.43/images/json");
        Assert.Equal(4_200_000, old[0].GetProperty("VirtualSize").GetInt64());
    }

    [Fact]
    public async Task List_filters_reference_dangling_label()
    {
        async Task<List<string>> Ids(string query) =>
            (await _server.GetAsync("/images/json?" + query)).Json.EnumerateArray().Select(i => i.GetProperty("Id").GetString()!).ToList();
        Assert.Equal([FakesIds.Busybox], await Ids(Filters("""{"reference":["busybox"]}""")));
        Assert.Equal([FakesIds.Busybox], await Ids(Filters("""{"reference":["127.0.0.1:5000/*"]}""")));
        Assert.Equal([Fakes.FakeImageService.EntrypointId], await Ids(Filters("""{"reference":["e?:latest"]}""")));
        // Only the matching references are listed, as dockerd lists them (one CLI row per tag).
        var (_, narrowed) = await _server.GetAsync("/images/json?" + Filters("""{"reference":["127.0.0.1:5000/*"]}"""));
        Assert.Equal(["127.0.0.1:5000/busybox:latest"], narrowed.EnumerateArray().Single().GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Empty(await Ids(Filters("""{"dangling":["true"]}""")));
        Assert.Equal(2, (await Ids(Filters("""{"dangling":["false"]}"""))).Count);
        Assert.Equal([FakesIds.Busybox], await Ids(Filters("""{"label":["org.example.base=busybox"]}""")));
        var (bad, json) = await _server.GetAsync("/images/json?" + Filters("""{"dangling":["maybe"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid filter 'dangling=maybe'"), (bad.StatusCode, json.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Inspect_has_the_docker_shape_even_for_names_with_slashes()
    {
        var (response, image) = await _server.GetAsync("/v1.44/images/127.0.0.1:5000/busybox:latest/json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakesIds.Busybox, image.GetProperty("Id").GetString());
        Assert.Equal("", image.GetProperty("Parent").GetString());
        Assert.Equal("amd64", image.GetProperty("Architecture").GetString());
        Assert.Equal("linux", image.GetProperty("Os").GetString());
        Assert.True(DateTimeOffset.TryParse(image.GetProperty("Created").GetString(), out _));
        Assert.Equal(["sh"], image.GetProperty("Config").GetProperty("Cmd").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(JsonValueKind.Object, image.GetProperty("ContainerConfig").ValueKind);
        Assert.Equal("vic", image.GetProperty("GraphDriver").GetProperty("Name").GetString());
        Assert.Equal("layers", image.GetProperty("RootFS").GetProperty("Type").GetString());
        Assert.Equal(1, image.GetProperty("RootFS").GetProperty("Layers").GetArrayLength());
        Assert.Equal("0001-01-01T00:00:00Z", image.GetProperty("Metadata").GetProperty("LastTagTime").GetString());
        Assert.False(image.TryGetProperty("VirtualSize", out _));

        var (missing, json) = await _server.GetAsync("/images/nothing/json");
        Assert.Equal((HttpStatusCode.NotFound, "No such image: nothing:latest"), (missing.StatusCode, json.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Distribution_inspect_has_dockerds_shape_for_names_with_slashes()
    {
        var (response, json) = await _server.GetAsync("/v1.44/distribution/127.0.0.1:5000/team/app:v1/json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.1:5000/team/app:v1", _server.Images.LastDistribution);
        var descriptor = json.GetProperty("Descriptor");
        Assert.Equal("application/vnd.oci.image.index.v1+json", descriptor.GetProperty("mediaType").GetString());
        Assert.Equal("sha256:" + new string('e', 64), descriptor.GetProperty("digest").GetString());
        Assert.Equal(1234, descriptor.GetProperty("size").GetInt64());
        var platforms = json.GetProperty("Platforms").EnumerateArray().ToList();
        Assert.Equal("""{"architecture":"amd64","os":"linux"}""", platforms[0].GetRawText());
        Assert.Equal("v8", platforms[1].GetProperty("variant").GetString());

        var (missing, missingJson) = await _server.GetAsync("/v1.44/distribution/nosuchrepo/json");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.StartsWith("pull access denied for nosuchrepo", missingJson.GetProperty("message").GetString());
        var (byId, byIdJson) = await _server.GetAsync("/v1.44/distribution/" + new string('a', 64) + "/json");
        Assert.Equal((HttpStatusCode.InternalServerError, "no manifest found for full image ID"), (byId.StatusCode, byIdJson.GetProperty("message").GetString()));
        var (noAction, _) = await _server.GetAsync("/v1.44/distribution/busybox");
        Assert.Equal(HttpStatusCode.NotFound, noAction.StatusCode);
    }

    [Fact]
    public async Task History_is_newest_first_with_the_id_on_top()
    {
        var (_, json) = await _server.GetAsync("/images/busybox/history");
        var items = json.EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal(FakesIds.Busybox, items[0].GetProperty("Id").GetString());
        Assert.Equal("CMD [\"sh\"]", items[0].GetProperty("CreatedBy").GetString());
        Assert.Equal("<missing>", items[1].GetProperty("Id").GetString());
    }

    [Fact]
    public async Task Tag_then_remove_the_tag_then_conflict_on_an_image_in_use()
    {
        Assert.Equal(HttpStatusCode.Created, (await _server.PostAsync("/images/busybox/tag?repo=mine/bb&tag=v1")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.GetAsync("/images/mine/bb:v1/json")).Response.StatusCode);

        var (removed, items) = await _server.SendJsonAsync(HttpMethod.Delete, "/images/mine/bb:v1");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal("mine/bb:v1", items[0].GetProperty("Untagged").GetString());
        Assert.False(items[0].TryGetProperty("Deleted", out _));

        string id = await _server.CreateAsync("user1", """["echo"]""", image: "ep");
        var (conflict, json) = await _server.SendJsonAsync(HttpMethod.Delete, "/images/ep");
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains(id[..12], json.GetProperty("message").GetString());

        var (missingRepo, _) = await _server.PostAsync("/images/busybox/tag");
        Assert.Equal(HttpStatusCode.BadRequest, missingRepo.StatusCode);
    }

    [Fact]
    public async Task Pull_streams_progress_lines_in_the_shape_the_CLI_reads()
    {
        var response = await _server.Client.PostAsync("/v1.44/images/create?fromImage=busybox&tag=1.36", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("Pulling from library/busybox", lines[0].GetProperty("status").GetString());
        Assert.False(lines[^1].TryGetProperty("progressDetail", out _)); // status lines without an id have none
        var fsLayer = lines.Single(l => l.GetProperty("status").GetString() == "Pulling fs layer");
        Assert.Equal("aaaaaaaaaaaa", fsLayer.GetProperty("id").GetString());
        Assert.Equal("{}", fsLayer.GetProperty("progressDetail").GetRawText());
        var downloading = lines.Single(l => l.GetProperty("status").GetString() == "Downloading");
        Assert.Equal(1, downloading.GetProperty("progressDetail").GetProperty("current").GetInt64());
        Assert.Equal(2, downloading.GetProperty("progressDetail").GetProperty("total").GetInt64());
        Assert.StartsWith("[=========================>", downloading.GetProperty("progress").GetString());
        Assert.Contains(lines, l => l.GetProperty("status").GetString() == "Status: Downloaded newer image for busybox:1.36");
    }

    [Fact]
    public async Task A_pull_without_a_tag_asks_for_every_tag_as_docker_pull_all_tags_does()
    {
        // docker pull --all-tags sends no tag parameter; old clients leave a trailing ':' on the name.
        var all = await _server.Client.PostAsync("/v1.44/images/create?fromImage=127.0.0.1%3A5000%2Fapp", null);
        var colon = await _server.Client.PostAsync("/v1.44/images/create?fromImage=busybox%3A", null);
        var tagged = await _server.Client.PostAsync("/v1.44/images/create?fromImage=busybox&tag=1.36", null);

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Contains("Status: Image is up to date for 127.0.0.1:5000/app", await all.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, colon.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tagged.StatusCode);
        Assert.Equal(["127.0.0.1:5000/app", "busybox"], _server.Images.AllTagsPulls);
    }

    [Fact]
    public async Task Pull_errors_before_the_stream_are_plain_errors_and_after_it_are_stream_lines()
    {
        var (missing, json) = await _server.PostAsync("/images/create?fromImage=nosuchrepo&tag=latest");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/json", missing.Content.Headers.ContentType!.ToString());
        Assert.StartsWith("pull access denied for nosuchrepo", json.GetProperty("message").GetString());

        var flaky = await _server.Client.PostAsync("/images/create?fromImage=flaky&tag=latest", null);
        Assert.Equal(HttpStatusCode.OK, flaky.StatusCode);
        var last = JsonDocument.Parse((await flaky.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal("unexpected EOF", last.GetProperty("error").GetString());
        Assert.Equal("unexpected EOF", last.GetProperty("errorDetail").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Each_load_message_is_one_chunk_with_its_line_end()
    {
        using var raw = await RawConnection.OpenAsync(_server);
        await raw.SendAsync("POST /v1.44/images/load?quiet=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc");
        var (status, headers) = await raw.ReadHeadAsync();
        Assert.Equal("HTTP/1.1 200 OK", status);
        Assert.Equal("chunked", headers["Transfer-Encoding"]);
        // docker-py splits the stream by chunks: a last chunk holding only "\r\n" fails its JSON decoding.
        string body = await raw.ReadToEndAsync();
        var chunks = new List<string>();
        for (int at = 0; ;)
        {
            int lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = Convert.ToInt32(body[at..lineEnd], 16);
            if (size == 0)
                break;
            chunks.Add(body.Substring(lineEnd + 2, size));
            at = lineEnd + 2 + size + 2;
        }
        Assert.NotEmpty(chunks);
        Assert.All(chunks, c => Assert.Matches("^\\{.*\\}\r\n$", c));
    }

    [Fact]
    public async Task Load_streams_loaded_lines_and_save_returns_the_archive()
    {
        var load = await _server.Client.PostAsync("/images/load?quiet=1", new ByteArrayContent(Encoding.ASCII.GetBytes("not-really-a-tar")));
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        var line = JsonDocument.Parse((await load.Content.ReadAsStringAsync()).Trim()).RootElement;
        Assert.Equal("Loaded image: loaded:latest\n", line.GetProperty("stream").GetString());

        // dockerd answers 200 and puts the failure in the stream (docker-py raises ImageLoadError from it).
        var emptyLoad = await _server.Client.PostAsync("/images/load", new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.OK, emptyLoad.StatusCode);
        var failure = JsonDocument.Parse((await emptyLoad.Content.ReadAsStringAsync()).Trim()).RootElement;
        Assert.Equal("unexpected EOF: the archive is empty", failure.GetProperty("error").GetString());
        Assert.Equal("unexpected EOF: the archive is empty", failure.GetProperty("errorDetail").GetProperty("message").GetString());

        var save = await _server.Client.GetAsync("/images/get?names=busybox&names=ep");
        Assert.Equal("application/x-tar", save.Content.Headers.ContentType!.ToString());
        Assert.Equal("FAKE-TAR:busybox,ep", await save.Content.ReadAsStringAsync());
        var single = await _server.Client.GetAsync("/images/127.0.0.1:5000/busybox/get");
        Assert.Equal("FAKE-TAR:127.0.0.1:5000/busybox", await single.Content.ReadAsStringAsync());
        var (missing, _) = await _server.GetAsync("/images/get?names=nothing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
