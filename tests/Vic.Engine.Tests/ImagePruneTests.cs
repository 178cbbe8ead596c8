using System.Net;
using System.Text.Json;
using Vic.Engine.Tests.Fakes;
using Vic.ImageC;

namespace Vic.Engine.Tests;

/// <summary>docker image prune over the fake image service: dockerd's selection, its conflicts skipped, events and answer.</summary>
public sealed class ImagePruneTests : IAsyncLifetime
{
    private const string Dangling = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
    private const string DanglingUsed = "sha256:5555555555555555555555555555555555555555555555555555555555555555";
    private const string Intermediate = "sha256:6666666666666666666666666666666666666666666666666666666666666666";
    private const string Child = "sha256:7777777777777777777777777777777777777777777777777777777777777777";
    private const string Labelled = "sha256:8888888888888888888888888888888888888888888888888888888888888888";
    private EngineServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await EngineServer.StartAsync();
        var old = DateTimeOffset.UtcNow.AddDays(-3);
        _server.Images.Add(Dangling, [], new ImageConfig(), old);
        _server.Images.Add(DanglingUsed, [], new ImageConfig(), old);
        _server.Images.Add(Intermediate, [], new ImageConfig(), old);
        _server.Images.Add(Child, ["child:latest"], new ImageConfig(), old, parent: Intermediate);
        _server.Images.Add(Labelled, ["labelled:v1"], new ImageConfig { Labels = new Dictionary<string, string> { ["keep"] = "yes" } }, DateTimeOffset.UtcNow);
        // A stopped container of a dangling image, and one of a tagged image: neither image may go.
        await _server.CreateAsync("uses-dangling", """["true"]""", image: DanglingUsed[7..]);
        await _server.CreateAsync("uses-ep", """["true"]""", image: "ep");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Filters(string json) => "?filters=" + Uri.EscapeDataString(json);

    private async Task<HashSet<string>> RemainingAsync() =>
        (await _server.Images.ListAsync(CancellationToken.None)).Select(i => i.Id).ToHashSet();

    private static List<(string? Untagged, string? Deleted)> Items(JsonElement json) =>
        json.GetProperty("ImagesDeleted").EnumerateArray()
            .Select(i => (i.TryGetProperty("Untagged", out var u) ? u.GetString() : null, i.TryGetProperty("Deleted", out var d) ? d.GetString() : null))
            .ToList();

    [Fact]
    public async Task By_default_only_unused_dangling_images_go_and_their_freed_layers_are_the_space_reclaimed()
    {
        var (response, json) = await _server.PostAsync("/v1.44/images/prune");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = Items(json);
        Assert.Contains((null, Dangling), items);
        Assert.Equal(2, items.Count); // the image and its layer
        Assert.Equal(4_200_000UL, json.GetProperty("SpaceReclaimed").GetUInt64());
        var remaining = await RemainingAsync();
        Assert.DoesNotContain(Dangling, remaining);
        // In use by a stopped container; the parent of a tagged image; tagged images.
        Assert.Superset(new HashSet<string> { DanglingUsed, Intermediate, Child, Labelled, FakeImageService.BusyboxId, FakeImageService.EntrypointId }, remaining);

        var (_, again) = await _server.PostAsync("/v1.44/images/prune");
        Assert.Equal(JsonValueKind.Null, again.GetProperty("ImagesDeleted").ValueKind);
        Assert.Equal(0UL, again.GetProperty("SpaceReclaimed").GetUInt64());
    }

    [Fact]
    public async Task Dangling_false_removes_every_unused_image_by_its_references_and_keeps_used_ones()
    {
        var (response, json) = await _server.PostAsync("/v1.44/images/prune" + Filters("""{"dangling":["false"]}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = Items(json);
        Assert.Contains(("child:latest", null), items);
        Assert.Contains((null, Child), items);
        Assert.Contains(("labelled:v1", null), items);
        Assert.Contains((null, Labelled), items);
        var remaining = await RemainingAsync();
        Assert.Contains(DanglingUsed, remaining);
        Assert.Contains(FakeImageService.EntrypointId, remaining);
        Assert.DoesNotContain(Child, remaining);
        Assert.DoesNotContain(Labelled, remaining);
    }

    [Fact]
    public async Task Label_and_until_filters_narrow_the_prune()
    {
        var (_, kept) = await _server.PostAsync("/v1.44/images/prune" + Filters("""{"dangling":["false"],"label!":["keep=yes"],"until":["24h"]}"""));
        var items = Items(kept);
        Assert.DoesNotContain((null, Labelled), items); // labelled, and too recent
        Assert.Contains((null, Child), items);

        var (_, labelled) = await _server.PostAsync("/v1.44/images/prune" + Filters("""{"dangling":["0"],"label":["keep"]}"""));
        Assert.Equal([("labelled:v1", null), (null, Labelled)], Items(labelled).Take(2).ToList());
        var remaining = await RemainingAsync();
        Assert.DoesNotContain(Labelled, remaining);
        Assert.Contains(Intermediate, remaining); // no such label (and no longer anyone's parent)
    }

    [Fact]
    public async Task Bad_filters_are_refused_with_dockerds_words_and_change_nothing()
    {
        var before = await RemainingAsync();
        var (bad, json) = await _server.PostAsync("/v1.44/images/prune" + Filters("""{"dangling":["maybe"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid filter 'dangling=[maybe]'"), (bad.StatusCode, json.GetProperty("message").GetString()));
        var (unknown, unknownJson) = await _server.PostAsync("/v1.44/images/prune" + Filters("""{"reference":["busybox"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid filter 'reference'"), (unknown.StatusCode, unknownJson.GetProperty("message").GetString()));
        var (twice, twiceJson) = await _server.PostAsync("/v1.44/images/prune" + Filters("""{"until":["1h","2h"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "more than one until filter specified"), (twice.StatusCode, twiceJson.GetProperty("message").GetString()));
        Assert.Equal(before, await RemainingAsync());
    }

    [Fact]
    public async Task Each_removal_logs_dockerds_image_events_then_one_prune_event()
    {
        var response = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1.44/events?filters=" + Uri.EscapeDataString("""{"type":["image"]}""")),
            HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await _server.PostAsync("/v1.44/images/prune" + Filters("""{"dangling":["false"],"label":["keep=yes"]}"""));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<JsonElement>();
        for (int i = 0; i < 3; i++)
            events.Add(JsonDocument.Parse((await reader.ReadLineAsync(timeout.Token))!).RootElement.Clone());
        Assert.Equal(["untag", "delete", "prune"], events.Select(e => e.GetProperty("Action").GetString()));
        Assert.Equal([Labelled, Labelled, ""], events.Select(e => e.GetProperty("Actor").GetProperty("ID").GetString()));
        Assert.Equal("4200000", events[2].GetProperty("Actor").GetProperty("Attributes").GetProperty("reclaimed").GetString());
    }
}
