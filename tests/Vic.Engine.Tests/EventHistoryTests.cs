using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vic.Engine.Events;
using Vic.Engine.Models;

namespace Vic.Engine.Tests;

/// <summary>The event history behind docker events --since/--until: kept on disk, bounded, read back after a restart.</summary>
public sealed class EventHistoryTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vic-events-" + Guid.NewGuid().ToString("N")[..8]);

    private string JournalPath => Path.Combine(_directory, "events.jsonl");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static EventMessage Event(string id, string action, long seconds) => new()
    {
        Status = action,
        Id = id,
        From = "busybox",
        Action = action,
        Actor = new EventActor(id, new Dictionary<string, string> { ["name"] = "c-" + id, ["image"] = "busybox" }),
        Time = seconds,
        TimeNano = seconds * 1_000_000_000 + 7,
    };

    private EventJournal Open(int limit = 1000) => new(JournalPath, limit, NullLogger<EventJournal>.Instance);

    private static string Json(EventMessage e) => JsonSerializer.Serialize(e, EngineJson.Default.EventMessage);

    [Fact]
    public void Events_written_are_read_back_by_a_new_journal_with_the_same_json()
    {
        var written = new[] { Event("a", "create", 100), Event("a", "start", 101), Event("a", "die", 102) };
        using (var journal = Open())
        {
            foreach (var e in written)
                journal.Append(e);
        }
        using var reopened = Open();
        Assert.Equal(written.Select(Json), reopened.All.Select(Json));
    }

    [Fact]
    public void A_torn_last_line_is_dropped_and_the_next_event_starts_a_clean_line()
    {
        using (var journal = Open())
        {
            journal.Append(Event("a", "create", 100));
            journal.Append(Event("a", "start", 101));
        }
        // The daemon killed in the middle of writing a third event.
        File.AppendAllText(JournalPath, Json(Event("a", "die", 102))[..40]);

        using (var journal = Open())
        {
            Assert.Equal(["create", "start"], journal.All.Select(e => e.Action));
            journal.Append(Event("a", "destroy", 103));
        }
        using var again = Open();
        Assert.Equal(["create", "start", "destroy"], again.All.Select(e => e.Action));
        Assert.All(File.ReadAllLines(JournalPath), line => JsonDocument.Parse(line));
    }

    [Fact]
    public void A_damaged_line_in_the_middle_is_skipped_and_the_rest_kept()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(JournalPath, Json(Event("a", "create", 100)) + "\n{not json\n" + Json(Event("a", "start", 101)) + "\n");
        using var journal = Open();
        Assert.Equal(["create", "start"], journal.All.Select(e => e.Action));
    }

    [Fact]
    public void The_history_is_bounded_and_keeps_the_newest_events_across_compaction()
    {
        using (var journal = Open(limit: 5))
        {
            for (int i = 0; i < 23; i++)
                journal.Append(Event("a", "exec_start: true " + i, 100 + i));
            Assert.Equal(Enumerable.Range(18, 5).Select(i => "exec_start: true " + i), journal.All.Select(e => e.Action));
        }
        // Compacted at twice the limit, so the file never holds more than that.
        Assert.True(File.ReadAllLines(JournalPath).Length < 10);
        using var reopened = Open(limit: 5);
        Assert.Equal(Enumerable.Range(18, 5).Select(i => "exec_start: true " + i), reopened.All.Select(e => e.Action));
    }

    [Fact]
    public void Between_follows_dockerd_nothing_without_bounds_and_inclusive_windows()
    {
        using var journal = new EventJournal(null, 100, NullLogger<EventJournal>.Instance);
        for (int i = 0; i < 5; i++)
            journal.Append(Event("a", "n" + i, 100 + i));
        Assert.Empty(journal.Between(null, null));
        Assert.Equal(["n2", "n3", "n4"], journal.Between(102L * 1_000_000_000, null).Select(e => e.Action));
        Assert.Equal(["n1", "n2"], journal.Between(101L * 1_000_000_000, 102L * 1_000_000_000 + 7).Select(e => e.Action));
        Assert.Equal(["n0", "n1"], journal.Between(null, 101L * 1_000_000_000 + 7).Select(e => e.Action));
    }

    [Fact]
    public async Task Events_from_before_a_restart_are_answered_for_since_and_until_in_order()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1;
        string id;
        var backend = new Fakes.FakeBackend();
        await using (var server = await EngineServer.StartAsync(eventHistory: JournalPath, backend: backend))
        {
            id = await server.CreateAsync("remembered", """["fail","3"]""");
            await server.PostAsync($"/containers/{id}/start");
            await EngineServer.EventuallyAsync(() => backend.Get(id).State == Vic.PortLayer.ContainerRunState.Exited, "exit");
            await EngineServer.EventuallyAsync(() => File.Exists(JournalPath) && File.ReadAllLines(JournalPath).Length >= 5, "die recorded");
        }
        string untilNow = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var restarted = await EngineServer.StartAsync(eventHistory: JournalPath, backend: backend);
        // An until in the past (or here, about now): the recorded events and the end of the stream, as the CLI expects.
        await Task.Delay(1100);
        var response = await restarted.Client.GetAsync($"/v1.44/events?since={before}&until={untilNow}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        // The default bridge's connect and disconnect come with the start and the die, and are kept the same way.
        Assert.Equal(["create", "connect", "start", "disconnect", "die"], events.Select(e => e.GetProperty("Action").GetString()));
        var containerEvents = events.Where(e => e.GetProperty("Type").GetString() == "container").ToList();
        Assert.All(containerEvents, e => Assert.Equal(id, e.GetProperty("id").GetString()));
        Assert.Equal(id, events[1].GetProperty("Actor").GetProperty("Attributes").GetProperty("container").GetString());
        Assert.Equal("remembered", events[0].GetProperty("Actor").GetProperty("Attributes").GetProperty("name").GetString());
        Assert.Equal("3", events[4].GetProperty("Actor").GetProperty("Attributes").GetProperty("exitCode").GetString());
        // Byte for byte what the journal holds: the same JSON as the live stream sent.
        Assert.Equal(File.ReadAllLines(JournalPath).Take(5), lines);
    }

    [Fact]
    public async Task Filters_apply_to_the_history_and_an_empty_window_gives_none()
    {
        var backend = new Fakes.FakeBackend();
        await using var server = await EngineServer.StartAsync(eventHistory: JournalPath, backend: backend);
        string id = await server.CreateAsync("filtered", """["fail","0"]""");
        await server.PostAsync($"/containers/{id}/start");
        await EngineServer.EventuallyAsync(() => backend.Get(id).State == Vic.PortLayer.ContainerRunState.Exited, "exit");
        await EngineServer.EventuallyAsync(() => File.Exists(JournalPath) && File.ReadAllLines(JournalPath).Length >= 5, "die recorded");
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var filters = Uri.EscapeDataString("""{"event":["die"]}""");
        string body = await server.Client.GetStringAsync($"/v1.44/events?since={now - 60}&until={now}.999999999&filters={filters}");
        var only = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Action").GetString());
        Assert.Equal(["die"], only);

        // A window before anything happened: nothing, and the stream ends at once.
        Assert.Equal("", await server.Client.GetStringAsync($"/v1.44/events?since={now - 600}&until={now - 300}"));
    }

    [Fact]
    public async Task An_until_before_the_since_is_refused_as_dockerd_refuses_it()
    {
        await using var server = await EngineServer.StartAsync();
        var (response, json) = await server.GetAsync("/v1.44/events?since=200&until=100");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("`since` time (200) cannot be after `until` time (100)", json.GetProperty("message").GetString());
    }

    [Fact]
    public void A_journal_that_cannot_be_read_does_not_stop_the_daemon()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllBytes(JournalPath, Encoding.UTF8.GetBytes("\0\0\0garbage without a line end"));
        using var journal = Open();
        Assert.Empty(journal.All);
        journal.Append(Event("b", "create", 5));
        Assert.Single(File.ReadAllLines(JournalPath));
    }
}
