using System.Net;

namespace Vic.Engine.Tests;

/// <summary>No managed plugin is ever installed on a VCH: list is empty, named plugins are 404 as in dockerd.</summary>
public sealed class PluginApiTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_plugin_list_is_empty()
    {
        var (response, json) = await _server.GetAsync("/v1.44/plugins");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, json.GetArrayLength());
    }

    [Theory]
    [InlineData("GET", "/v1.44/plugins/vieux/sshfs:latest/json", "vieux/sshfs:latest")]
    [InlineData("POST", "/v1.44/plugins/vieux/sshfs:latest/enable", "vieux/sshfs:latest")]
    [InlineData("POST", "/v1.44/plugins/sshfs/disable", "sshfs")]
    [InlineData("DELETE", "/v1.44/plugins/vieux/sshfs:latest", "vieux/sshfs:latest")]
    public async Task A_named_plugin_is_404_not_found(string method, string path, string name)
    {
        var (response, json) = await _server.SendJsonAsync(new HttpMethod(method), path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal($"plugin \"{name}\" not found", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Installing_a_plugin_is_not_implemented()
    {
        var (response, json) = await _server.GetAsync("/v1.44/plugins/privileges?remote=vieux/sshfs");
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.StartsWith("plugins are not supported by this VCH", json.GetProperty("message").GetString());
    }
}
