using System.Net;
using System.Text.Json;

namespace Vic.Engine.Tests;

/// <summary>Requested MAC addresses: Config.MacAddress (deprecated in API 1.44), EndpointsConfig and network connect.</summary>
public sealed class MacAddressTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_container_wide_address_goes_to_the_main_endpoint_with_dockerds_warning()
    {
        var (response, created) = await _server.PostAsync("/v1.44/containers/create?name=mac",
            """{"Image":"busybox","Cmd":["sleep","60"],"MacAddress":"02:42:AC:11:00:0A"}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["The container-wide MacAddress field is now deprecated. It should be specified in EndpointsConfig instead."],
            created.GetProperty("Warnings").EnumerateArray().Select(w => w.GetString()));

        var (_, inspect) = await _server.GetAsync("/v1.44/containers/mac/json");
        var settings = inspect.GetProperty("NetworkSettings");
        Assert.Equal("02:42:ac:11:00:0a", settings.GetProperty("MacAddress").GetString());
        Assert.Equal("02:42:ac:11:00:0a", settings.GetProperty("Networks").GetProperty("bridge").GetProperty("MacAddress").GetString());
        // From API 1.44 dockerd no longer keeps it in the container's config.
        Assert.True(!inspect.GetProperty("Config").TryGetProperty("MacAddress", out var kept) || kept.ValueKind == JsonValueKind.Null
            || kept.GetString() == "");
        Assert.Equal("02:42:ac:11:00:0a", Assert.Single(_server.Backend.Get(created.GetProperty("Id").GetString()!).Info.Spec.Nics).Mac);
    }

    [Fact]
    public async Task Before_API_1_44_the_container_wide_address_wins_without_a_warning()
    {
        var (response, created) = await _server.PostAsync("/v1.43/containers/create?name=old",
            """{"Image":"busybox","Cmd":["true"],"MacAddress":"02:00:00:00:00:01","NetworkingConfig":{"EndpointsConfig":{"default":{"MacAddress":"02:00:00:00:00:02"}}}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(0, created.GetProperty("Warnings").GetArrayLength());
        var (_, inspect) = await _server.GetAsync("/v1.43/containers/old/json");
        Assert.Equal("02:00:00:00:00:01", inspect.GetProperty("NetworkSettings").GetProperty("MacAddress").GetString());
    }

    [Fact]
    public async Task An_endpoint_address_is_used_on_its_network()
    {
        var (netResponse, _) = await _server.PostAsync("/v1.44/networks/create", """{"Name":"macnet"}""");
        Assert.Equal(HttpStatusCode.Created, netResponse.StatusCode);
        await _server.CreateAsync("ep", """["true"]""",
            """ "HostConfig":{"NetworkMode":"macnet"},"NetworkingConfig":{"EndpointsConfig":{"macnet":{"MacAddress":"02:aa:bb:cc:dd:ee"}}}""");
        var (_, inspect) = await _server.GetAsync("/v1.44/containers/ep/json");
        Assert.Equal("02:aa:bb:cc:dd:ee",
            inspect.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("macnet").GetProperty("MacAddress").GetString());

        await _server.CreateAsync("later", """["true"]""");
        var (connect, _) = await _server.PostAsync("/v1.44/networks/macnet/connect",
            """{"Container":"later","EndpointConfig":{"MacAddress":"02:11:22:33:44:55"}}""");
        Assert.Equal(HttpStatusCode.OK, connect.StatusCode);
        var (_, later) = await _server.GetAsync("/v1.44/containers/later/json");
        Assert.Equal("02:11:22:33:44:55",
            later.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("macnet").GetProperty("MacAddress").GetString());
    }

    [Theory]
    [InlineData("/v1.44", """ "MacAddress":"02:00:00:00:00:01","NetworkingConfig":{"EndpointsConfig":{"default":{"MacAddress":"02:00:00:00:00:02"}}}""",
        "the container-wide MAC address should match the endpoint-specific MAC address for the main network or should be left empty")]
    [InlineData("/v1.44", """ "MacAddress":"not-a-mac" """, "invalid MAC address not-a-mac")]
    [InlineData("/v1.44", """ "MacAddress":"01:00:5e:00:00:01" """, "invalid MAC address 01:00:5e:00:00:01")]
    [InlineData("/v1.43", """ "MacAddress":"02:00:00:00:00:01","HostConfig":{"NetworkMode":"none"}""", "conflicting options: mac-address and the network mode")]
    public async Task Bad_addresses_are_refused_and_create_nothing(string version, string extra, string message)
    {
        var (response, json) = await _server.PostAsync(version + "/containers/create", $$"""{"Image":"busybox","Cmd":["true"],{{extra}}}""");
        Assert.Equal((HttpStatusCode.BadRequest, message), (response.StatusCode, json.GetProperty("message").GetString()));
        Assert.Empty(_server.Backend.All);
    }
}
