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

    /// <summary>
    /// docker-py reads a streaming endpoint's answer without checking its status when it is chunked (its regression
    /// test 443 builds an empty context and expects the error): errors go out whole, with a Content-Length, as dockerd's.
    /// </summary>
    [Fact]
    public async Task Errors_of_streaming_endpoints_are_not_chunked()
    {
        foreach (string path in (string[])["/v1.44/build?t=a/b/c", "/v1.44/images/create?fromImage=nosuchrepo&tag=latest"])
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent([]) };
            using var response = await _server.Client.SendAsync(request);
            Assert.False(response.IsSuccessStatusCode, path);
            Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
            string body = await response.Content.ReadAsStringAsync();
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
            Assert.EndsWith("\"}\n", body);
        }
    }
}
