using System.Net;
using Vic.Admin.Logs;

namespace Vic.Admin.Tests;

public sealed class PageTests
{
    [Fact]
    public async Task Health_shows_name_version_accelerator_datastore_endpoints_counts_and_images()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        string body = await client.GetStringAsync("/");
        foreach (string expected in new[] { "test-vch", "9.8.7", "Uptime", "<td>none</td>", "/fake/datastore", "unix:///fake/docker.sock",
                     "tcp://127.0.0.1:2376 (mutual TLS)", "2 (1 running, 1 exited)", "<th>Images</th><td>2</td>", "Logged in with token" })
            Assert.Contains(expected, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Containers_lists_name_id_image_state_created_and_a_log_link()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        string body = await client.GetStringAsync("/containers");
        Assert.Contains("<td>web</td><td><code>aaaa1111bbbb</code></td><td>busybox:latest</td><td class=\"state-running\">running</td><td>2026-01-02 03:04:05Z</td>", body, StringComparison.Ordinal);
        Assert.Contains("exited (3)", body, StringComparison.Ordinal);
        Assert.Contains($"href=\"/containers/{AdminTestServer.RunningId}/log\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_container_log_page_shows_its_output_escaped_with_stderr_marked()
    {
        await using var server = await AdminTestServer.StartAsync();
        server.Backend.AddOutput(AdminTestServer.RunningId, Vic.PortLayer.OutputStream.Stdout, "<script>alert(1)</script>\n");
        using var client = await server.LoggedInClientAsync();
        string body = await client.GetStringAsync("/containers/web/log");
        Assert.Contains("hello from web\nsecond line\n", body, StringComparison.Ordinal);
        Assert.Contains("<span class=\"err\">a warning on stderr\n</span>", body, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", body, StringComparison.Ordinal);
        Assert.Contains($"data-stream=\"/containers/{AdminTestServer.RunningId}/log/stream\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_container_is_a_404_page()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        var response = await client.GetAsync("/containers/nosuch/log");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No such container: nosuch", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stream_of_a_stopped_container_sends_its_lines_then_ends()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        var response = await client.GetAsync($"/containers/{AdminTestServer.ExitedId}/log/stream");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal("event: line\ndata: job done\n\nevent: end\ndata: \n\n", body);
    }

    [Fact]
    public async Task The_stream_of_a_running_container_follows_new_output()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        using var response = await client.GetAsync($"/containers/{AdminTestServer.RunningId}/log/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("data: hello from web", await NextDataAsync(reader));
        Assert.Equal("data: second line", await NextDataAsync(reader));
        Assert.Equal("data: a warning on stderr", await NextDataAsync(reader));
        server.Backend.AddOutput(AdminTestServer.RunningId, Vic.PortLayer.OutputStream.Stdout, "written later\n");
        Assert.Equal("data: written later", await NextDataAsync(reader));
    }

    [Fact]
    public async Task The_daemon_log_page_tails_the_log_and_its_stream_follows_appended_lines()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        string page = await client.GetStringAsync("/vch/log");
        Assert.Contains("VCH test started", page, StringComparison.Ordinal);

        using var response = await client.GetAsync("/vch/log/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (int i = 0; i < 3; i++)
            await NextDataAsync(reader);
        await File.AppendAllTextAsync(server.DaemonLog, "2026-01-01T00:00:03.000Z info: appended while followed\n");
        Assert.Equal("data: 2026-01-01T00:00:03.000Z info: appended while followed", await NextDataAsync(reader));
    }

    private static async Task<string> NextDataAsync(StreamReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(timeout.Token) is string line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                return line;
        }
        throw new EndOfStreamException("the event stream ended");
    }

    [Fact]
    public async Task File_tail_keeps_the_last_whole_lines_and_leaves_a_partial_one_to_the_follow()
    {
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "one\ntwo\nthree\npartial");
            var (lines, end) = await FileTail.LastLinesAsync(file, 2, CancellationToken.None);
            Assert.Equal(["two", "three"], lines);
            Assert.Equal("one\ntwo\nthree\n".Length, end);
            var (none, _) = await FileTail.LastLinesAsync(file, 0, CancellationToken.None);
            Assert.Empty(none);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
