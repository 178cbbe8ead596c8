using System.Buffers.Binary;
using System.Net;
using System.Text;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

public sealed class ContainerLogsTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Splits a multiplexed body into (stream type, text) frames, checking each header's shape.</summary>
    internal static List<(int Stream, string Text)> Demux(byte[] body)
    {
        var frames = new List<(int, string)>();
        int at = 0;
        while (at < body.Length)
        {
            Assert.True(body.Length - at >= 8, "truncated frame header");
            Assert.Equal(0, body[at + 1] | body[at + 2] | body[at + 3]);
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 4, 4));
            frames.Add((body[at], Encoding.UTF8.GetString(body, at + 8, length)));
            at += 8 + length;
        }
        return frames;
    }

    [Fact]
    public async Task Non_tty_logs_are_multiplexed_with_stream_types()
    {
        string id = await _server.CreateAsync("both", """["both"]""");
        await _server.PostAsync($"/containers/{id}/start");
        await EngineServer.EventuallyAsync(() => _server.Backend.Get(id).State == ContainerRunState.Exited, "exit");

        var response = await _server.Client.GetAsync("/v1.44/containers/both/logs?stdout=1&stderr=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.docker.multiplexed-stream", response.Content.Headers.ContentType!.ToString());
        Assert.Equal([(1, "to-stdout\n"), (2, "to-stderr\n")], Demux(await response.Content.ReadAsByteArrayAsync()));

        var stderrOnly = await _server.Client.GetByteArrayAsync("/containers/both/logs?stderr=1");
        Assert.Equal([(2, "to-stderr\n")], Demux(stderrOnly));

        var old = await _server.Client.GetAsync("/v1.41/containers/both/logs?stdout=1");
        Assert.Equal("application/vnd.docker.raw-stream", old.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Tty_logs_are_raw()
    {
        string id = await _server.CreateAsync("tty1", """["both"]""", "\"Tty\":true");
        await _server.PostAsync($"/containers/{id}/start");
        await EngineServer.EventuallyAsync(() => _server.Backend.Get(id).State == ContainerRunState.Exited, "exit");
        var response = await _server.Client.GetAsync("/containers/tty1/logs?stdout=1&stderr=1");
        Assert.Equal("application/vnd.docker.raw-stream", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("to-stdout\nto-stderr\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Tail_and_timestamps()
    {
        string id = await _server.CreateAsync("lines", """["sleep"]""");
        var t = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567);
        for (int i = 1; i <= 4; i++)
            _server.Backend.AddOutput(id, OutputStream.Stdout, $"line{i}\n", t.AddSeconds(i));

        var tail = Demux(await _server.Client.GetByteArrayAsync("/containers/lines/logs?stdout=1&tail=2"));
        Assert.Equal(["line3\n", "line4\n"], tail.Select(f => f.Text));

        var stamped = Demux(await _server.Client.GetByteArrayAsync("/containers/lines/logs?stdout=1&tail=1&timestamps=1"));
        Assert.Equal("2026-01-02T03:04:09.123456700Z line4\n", stamped.Single().Text);

        long since = t.AddSeconds(3).ToUnixTimeSeconds();
        var recent = Demux(await _server.Client.GetByteArrayAsync($"/containers/lines/logs?stdout=1&since={since}.123456700"));
        Assert.Equal(["line3\n", "line4\n"], recent.Select(f => f.Text));
    }

    [Fact]
    public async Task Follow_streams_until_the_container_stops()
    {
        string id = await _server.CreateAsync("follow", """["sleep"]""");
        await _server.PostAsync($"/containers/{id}/start");
        _server.Backend.AddOutput(id, OutputStream.Stdout, "before\n");
        var response = await _server.Client.GetAsync("/containers/follow/logs?stdout=1&follow=1", HttpCompletionOption.ResponseHeadersRead);
        var body = response.Content.ReadAsByteArrayAsync();
        _server.Backend.AddOutput(id, OutputStream.Stdout, "after\n");
        await _server.PostAsync($"/containers/{id}/kill");
        var frames = Demux(await body.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["before\n", "after\n"], frames.Select(f => f.Text));
    }

    [Fact]
    public async Task No_stream_chosen_is_400_and_missing_container_404()
    {
        await _server.CreateAsync("quiet", """["echo"]""");
        var (response, json) = await _server.GetAsync("/containers/quiet/logs");
        Assert.Equal((HttpStatusCode.BadRequest, "Bad parameters: you must choose at least one stream"), (response.StatusCode, json.GetProperty("message").GetString()));
        var (missing, _) = await _server.GetAsync("/containers/nope/logs?stdout=1");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Details_put_the_log_attributes_after_the_timestamp_sorted_and_escaped()
    {
        string logConfig = """
            "Labels":{"com.example.team":"core infra","unused":"x"},"Env":["STAGE=prod&eu","OTHER=1"],
            "HostConfig":{"LogConfig":{"Type":"json-file","Config":{"labels":"com.example.team,missing","env":"STAGE","tag":"{{.Name}}/{{.ID}}"}}}
            """;
        string id = await _server.CreateAsync("detailed", """["sleep"]""", logConfig);
        var t = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        _server.Backend.AddOutput(id, OutputStream.Stdout, "one\n", t);
        _server.Backend.AddOutput(id, OutputStream.Stdout, "two\n", t);

        var plain = Demux(await _server.Client.GetByteArrayAsync("/containers/detailed/logs?stdout=1&details=1"));
        string attributes = $"STAGE=prod%26eu,com.example.team=core+infra,tag=detailed%2F{id[..12]} ";
        Assert.Equal(attributes + "one\n" + attributes + "two\n", string.Concat(plain.Select(f => f.Text)));

        var stamped = Demux(await _server.Client.GetByteArrayAsync("/containers/detailed/logs?stdout=1&details=1&timestamps=1&tail=1"));
        Assert.Equal("2026-01-02T03:04:05.000000000Z " + attributes + "two\n", stamped.Single().Text);
    }

    [Fact]
    public async Task Details_without_attributes_keep_dockerds_leading_space()
    {
        string id = await _server.CreateAsync("bare", """["sleep"]""", "\"HostConfig\":{\"LogConfig\":{\"Type\":\"local\",\"Config\":{\"env\":\"PATH\"}}}");
        _server.Backend.AddOutput(id, OutputStream.Stdout, "x\n");
        var frames = Demux(await _server.Client.GetByteArrayAsync("/containers/bare/logs?stdout=1&details=1"));
        Assert.Equal(" x\n", frames.Single().Text);
    }

    [Fact]
    public async Task Since_in_the_future_and_until_in_the_past_select_nothing()
    {
        string id = await _server.CreateAsync("window", """["sleep"]""");
        var t = DateTimeOffset.UtcNow.AddMinutes(-5);
        _server.Backend.AddOutput(id, OutputStream.Stdout, "old\n", t);
        long future = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        long past = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        Assert.Empty(await _server.Client.GetByteArrayAsync($"/containers/window/logs?stdout=1&since={future}.000000000"));
        Assert.Empty(await _server.Client.GetByteArrayAsync($"/containers/window/logs?stdout=1&until={past}.000000000"));
        // As the CLI sends "--since 10m": a timestamp ten minutes back, with nanoseconds.
        Assert.Equal(["old\n"], Demux(await _server.Client.GetByteArrayAsync($"/containers/window/logs?stdout=1&since={past}.000000000")).Select(f => f.Text));
    }

    [Theory]
    [InlineData("plain-Text_1.2~", "plain-Text_1.2~")]
    [InlineData("a b", "a+b")]
    [InlineData("x=y,z/é", "x%3Dy%2Cz%2F%C3%A9")]
    public void Query_escape_is_gos(string value, string escaped) =>
        Assert.Equal(escaped, Vic.Engine.Containers.LogAttributes.QueryEscape(value));
}
