using System.Net;
using System.Text.Json;

namespace Vic.Engine.Tests;

/// <summary>HostConfig.LogConfig at create: what dockerd records, and what it refuses with which words.</summary>
public sealed class LogConfigTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonElement> CreateAndInspectLogConfigAsync(string name, string logConfig)
    {
        await _server.CreateAsync(name, """["true"]""", $$""" "HostConfig":{"LogConfig":{{logConfig}}}""");
        var (_, inspect) = await _server.GetAsync($"/v1.44/containers/{name}/json");
        return inspect.GetProperty("HostConfig").GetProperty("LogConfig");
    }

    [Fact]
    public async Task An_empty_type_becomes_json_file_and_keeps_the_options_sent()
    {
        var log = await CreateAndInspectLogConfigAsync("nodriver", """{"Type":"","Config":{"max-file":"100"}}""");
        Assert.Equal("json-file", log.GetProperty("Type").GetString());
        Assert.Equal("100", log.GetProperty("Config").GetProperty("max-file").GetString());
        Assert.Single(log.GetProperty("Config").EnumerateObject());
    }

    [Fact]
    public async Task No_log_config_at_all_is_json_file_with_an_empty_map()
    {
        await _server.CreateAsync("plain", """["true"]""");
        var (_, inspect) = await _server.GetAsync("/v1.44/containers/plain/json");
        var log = inspect.GetProperty("HostConfig").GetProperty("LogConfig");
        Assert.Equal("json-file", log.GetProperty("Type").GetString());
        Assert.Equal(JsonValueKind.Object, log.GetProperty("Config").ValueKind);
        Assert.Empty(log.GetProperty("Config").EnumerateObject());
    }

    [Theory]
    [InlineData("""{"Type":"local","Config":{"max-size":"10m","mode":"non-blocking","max-buffer-size":"4m"}}""", "local")]
    [InlineData("""{"Type":"none","Config":{"anything":"goes"}}""", "none")]
    public async Task Local_and_none_are_accepted(string logConfig, string type)
    {
        var log = await CreateAndInspectLogConfigAsync("d" + type, logConfig);
        Assert.Equal(type, log.GetProperty("Type").GetString());
    }

    [Theory]
    [InlineData("""{"Type":"asdf","Config":{}}""", HttpStatusCode.BadRequest, "error looking up logging plugin asdf: plugin \"asdf\" not found")]
    [InlineData("""{"Type":"json-file","Config":{"max-files":"3"}}""", HttpStatusCode.BadRequest, "unknown log opt 'max-files' for json-file log driver")]
    [InlineData("""{"Type":"local","Config":{"tag-x":"1"}}""", HttpStatusCode.BadRequest, "unknown log opt 'tag-x' for log driver local")]
    [InlineData("""{"Type":"json-file","Config":{"mode":"sometimes"}}""", HttpStatusCode.BadRequest, "logger: logging mode not supported: sometimes")]
    [InlineData("""{"Type":"json-file","Config":{"max-buffer-size":"4m"}}""", HttpStatusCode.BadRequest,
        "logger: max-buffer-size option is only supported with 'mode=non-blocking'")]
    [InlineData("""{"Type":"syslog","Config":{}}""", HttpStatusCode.NotImplemented,
        "logging driver \"syslog\" is not supported by this VCH: container output stays in the container VM (use json-file, local or none)")]
    public async Task Refused_log_configs_use_dockerds_words_and_create_nothing(string logConfig, HttpStatusCode status, string message)
    {
        var (response, json) = await _server.PostAsync("/v1.44/containers/create",
            $$$"""{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{{{logConfig}}}}}""");
        Assert.Equal((status, message), (response.StatusCode, json.GetProperty("message").GetString()));
        Assert.Empty(_server.Backend.All);
    }

    [Fact]
    public async Task A_missing_image_is_still_404_whatever_the_log_config()
    {
        var (response, _) = await _server.PostAsync("/v1.44/containers/create",
            """{"Image":"nosuch","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"asdf"}}}""");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
