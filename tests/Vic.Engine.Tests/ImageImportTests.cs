using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Vic.Engine.Tests;

/// <summary>docker import from a URL: the VCH fetches the tarball (here from a loopback server the test runs).</summary>
public sealed class ImageImportTests : IAsyncLifetime
{
    private readonly byte[] _rootfs = Enumerable.Range(0, 3 * 1024 * 1024 + 17).Select(i => (byte)(i * 7)).ToArray();
    private EngineServer _server = null!;
    private HttpListener _listener = null!;
    private string _base = "";
    private Task _serving = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _server = await EngineServer.StartAsync();
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _base = $"127.0.0.1:{port}";
        _listener = new HttpListener();
        _listener.Prefixes.Add($"http://{_base}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public async Task DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
        await _server.DisposeAsync();
    }

    /// <summary>/rootfs.tar is the tarball; anything else is a 404 with a body, as a plain web server answers.</summary>
    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var response = context.Response;
            if (context.Request.Url!.AbsolutePath == "/rootfs.tar")
            {
                response.ContentLength64 = _rootfs.Length;
                await response.OutputStream.WriteAsync(_rootfs);
            }
            else
            {
                response.StatusCode = 404;
                await response.OutputStream.WriteAsync(Encoding.ASCII.GetBytes("no such file here\n"));
            }
        }
    }

    private static List<JsonElement> Messages(string body) =>
        body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public async Task A_url_is_fetched_with_dockerds_progress_and_ends_with_the_image_id()
    {
        string url = $"http://{_base}/rootfs.tar";
        var response = await _server.Client.PostAsync($"/v1.44/images/create?fromSrc={Uri.EscapeDataString(url)}&repo=fromurl&tag=v1", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messages = Messages(await response.Content.ReadAsStringAsync());

        Assert.Equal("Downloading from " + url, messages[0].GetProperty("status").GetString());
        var progress = messages.Skip(1).SkipLast(1).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, m => Assert.Equal("Importing", m.GetProperty("status").GetString()));
        Assert.All(progress, m => Assert.Equal(_rootfs.Length, m.GetProperty("progressDetail").GetProperty("total").GetInt64()));
        Assert.Equal(_rootfs.Length, progress[^1].GetProperty("progressDetail").GetProperty("current").GetInt64());
        Assert.DoesNotContain(messages, m => m.TryGetProperty("id", out _));

        var created = _server.Images.LastCreated!.Value;
        Assert.Equal(_rootfs, created.Layer);
        Assert.Equal("Imported from " + url, created.Image.Comment);
        Assert.Equal(["fromurl:v1"], created.Image.References);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_rootfs)), messages[^1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_source_without_a_scheme_is_fetched_over_http()
    {
        var response = await _server.Client.PostAsync($"/v1.44/images/create?fromSrc={Uri.EscapeDataString(_base + "/rootfs.tar")}", null);
        var messages = Messages(await response.Content.ReadAsStringAsync());
        Assert.Equal($"Downloading from http://{_base}/rootfs.tar", messages[0].GetProperty("status").GetString());
        Assert.Equal(_rootfs, _server.Images.LastCreated!.Value.Layer);
    }

    [Fact]
    public async Task A_missing_file_is_dockerds_404_with_the_servers_answer()
    {
        string url = $"http://{_base}/missing.tar";
        var (response, json) = await _server.PostAsync($"/v1.44/images/create?fromSrc={Uri.EscapeDataString(url)}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal($"failed to GET {url} with status 404 Not Found: no such file here", json.GetProperty("message").GetString());
        Assert.Null(_server.Images.LastCreated);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_a_500_with_gos_words()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int closed = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        string url = $"http://127.0.0.1:{closed}/rootfs.tar";
        var (response, json) = await _server.PostAsync($"/v1.44/images/create?fromSrc={Uri.EscapeDataString(url)}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal($"Get \"{url}\": dial tcp 127.0.0.1:{closed}: connect: connection refused", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Another_scheme_is_refused()
    {
        var (response, json) = await _server.PostAsync($"/v1.44/images/create?fromSrc={Uri.EscapeDataString("ftp://127.0.0.1/rootfs.tar")}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Get \"ftp://127.0.0.1/rootfs.tar\": unsupported protocol scheme \"ftp\"", json.GetProperty("message").GetString());
    }
}
