using System.Net;

namespace Vic.Engine.Tests;

/// <summary>A VCH is never in a swarm: cluster endpoints answer as dockerd does while swarm is inactive.</summary>
public sealed class SwarmApiTests : IAsyncLifetime
{
    private const string NotAManager = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.";

    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("GET", "/v1.44/swarm")]
    [InlineData("GET", "/v1.44/swarm/unlockkey")]
    [InlineData("GET", "/v1.44/services")]
    [InlineData("GET", "/v1.44/services/web")]
    [InlineData("POST", "/v1.44/services/create")]
    [InlineData("DELETE", "/v1.44/services/web")]
    [InlineData("GET", "/v1.44/services/web/logs")]
    [InlineData("GET", "/v1.44/nodes")]
    [InlineData("POST", "/v1.44/nodes/n1/update")]
    [InlineData("GET", "/v1.44/tasks")]
    [InlineData("GET", "/v1.44/secrets")]
    [InlineData("POST", "/v1.44/secrets/create")]
    [InlineData("GET", "/v1.44/configs/c1")]
    [InlineData("POST", "/v1.44/configs/create")]
    public async Task Cluster_endpoints_are_503_not_a_swarm_manager(string method, string path)
    {
        var (response, json) = await _server.SendJsonAsync(new HttpMethod(method), path, method == "POST" ? "{}" : null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(NotAManager, json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Leave_is_503_not_part_of_a_swarm_which_clients_accept_for_force_leave()
    {
        var (response, json) = await _server.PostAsync("/v1.44/swarm/leave?force=1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("This node is not part of a swarm", json.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/v1.44/swarm/init")]
    [InlineData("/v1.44/swarm/join")]
    public async Task Init_and_join_are_refused_as_not_implemented_and_info_stays_inactive(string path)
    {
        var (response, json) = await _server.PostAsync(path, """{"ListenAddr":"127.0.0.1:2377"}""");
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.StartsWith("swarm mode is not supported by this VCH", json.GetProperty("message").GetString());
        var (_, info) = await _server.GetAsync("/v1.44/info");
        Assert.Equal("inactive", info.GetProperty("Swarm").GetProperty("LocalNodeState").GetString());
    }
}
