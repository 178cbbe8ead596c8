using System.Net;

namespace Vic.Engine.Tests;

/// <summary>docker build is not implemented: a clear 501, not the fallback's 404.</summary>
public sealed class BuildApiTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/v1.44/build?t=x")]
    [InlineData("/v1.44/build/prune")]
    public async Task Build_is_501_with_a_message_that_says_what_to_do(string path)
    {
        var (response, json) = await _server.PostAsync(path);
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.StartsWith("docker build is not supported by this VCH yet", json.GetProperty("message").GetString());
    }
}
