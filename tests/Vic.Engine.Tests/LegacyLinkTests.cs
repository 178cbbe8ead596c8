using System.Net;
using System.Text.Json;

namespace Vic.Engine.Tests;

/// <summary>--link on the default bridge: the linking container's environment, the link's name and docker rm --link.</summary>
public sealed class LegacyLinkTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_legacy_link_gives_the_linking_process_the_linked_containers_name_ports_and_environment()
    {
        await _server.CreateAsync("db", """["sleep"]""",
            """ "Env":["FOO=1","PATH=/x","HOME=/root"],"ExposedPorts":{"6379/tcp":{},"53/udp":{},"53/tcp":{}}""");
        string app = await _server.CreateAsync("app", """["env"]""",
            """ "Env":["MY_DB_NAME=mine"],"HostConfig":{"Links":["db:my-db"],"NetworkMode":"bridge"}""");

        var env = _server.Backend.Get(app).Info.Spec.Process.Env.ToList();
        Assert.Contains("MY_DB_NAME=mine", env); // the container's own Env wins over a link's
        Assert.Contains("MY_DB_ENV_FOO=1", env);
        Assert.DoesNotContain(env, e => e.StartsWith("MY_DB_ENV_PATH=", StringComparison.Ordinal) || e.StartsWith("MY_DB_ENV_HOME=", StringComparison.Ordinal));
        Assert.Contains("MY_DB_PORT=tcp://172.16.0.2:53", env);
        Assert.Contains("MY_DB_PORT_53_TCP=tcp://172.16.0.2:53", env);
        Assert.Contains("MY_DB_PORT_53_UDP_ADDR=172.16.0.2", env);
        Assert.Contains("MY_DB_PORT_6379_TCP_PORT=6379", env);
        Assert.Contains("MY_DB_PORT_6379_TCP_PROTO=tcp", env);
        Assert.True(env.IndexOf("MY_DB_PORT=tcp://172.16.0.2:53") > env.FindIndex(e => e.StartsWith("HOSTNAME=", StringComparison.Ordinal)));
        // Only the process sees them: Config.Env is the client's and the image's.
        var (_, inspect) = await _server.GetAsync($"/v1.44/containers/{app}/json");
        Assert.Equal(["MY_DB_NAME=mine"], inspect.GetProperty("Config").GetProperty("Env").EnumerateArray().Select(e => e.GetString())
            .Where(e => e!.StartsWith("MY_DB_", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_link_name_finds_the_linked_container_and_rm_link_removes_only_the_link()
    {
        string db = await _server.CreateAsync("db", """["sleep"]""");
        string app = await _server.CreateAsync("app", """["sleep"]""", """ "HostConfig":{"Links":["db:mylink"]}""");

        var (_, list) = await _server.GetAsync("/v1.44/containers/json?all=1");
        var names = list.EnumerateArray().Single(c => c.GetProperty("Id").GetString() == db).GetProperty("Names");
        Assert.Equal(["/db", "/app/mylink"], names.EnumerateArray().Select(n => n.GetString()));

        var (plain, plainJson) = await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/containers/db?link=1");
        Assert.Equal(HttpStatusCode.InternalServerError, plain.StatusCode);
        Assert.Equal("Conflict, cannot remove the default link name of the container", plainJson.GetProperty("message").GetString());

        var (removed, _) = await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/containers/app/mylink?link=1");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(2, _server.Backend.All.Count());
        (_, list) = await _server.GetAsync("/v1.44/containers/json?all=1");
        Assert.DoesNotContain(list.EnumerateArray().SelectMany(c => c.GetProperty("Names").EnumerateArray()), n => n.GetString() == "/app/mylink");
        var (_, inspect) = await _server.GetAsync($"/v1.44/containers/{app}/json");
        Assert.Equal(JsonValueKind.Null, inspect.GetProperty("HostConfig").GetProperty("Links").ValueKind);
        Assert.NotEmpty(inspect.GetProperty("NetworkSettings").GetProperty("Networks").EnumerateObject());

        var (gone, goneJson) = await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/containers/app/mylink?link=1");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("No such container: app/mylink", goneJson.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Rm_of_a_link_name_without_link_removes_the_container_it_leads_to()
    {
        string db = await _server.CreateAsync("db", """["sleep"]""");
        await _server.CreateAsync("app", """["sleep"]""", """ "HostConfig":{"Links":["db:mylink"]}""");
        var (removed, _) = await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/containers/app/mylink");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.DoesNotContain(_server.Backend.All, c => c.Info.Spec.Id == db);
    }
}
