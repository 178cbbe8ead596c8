using System.Net;
using System.Text;
using System.Text.Json;
using Vic.ImageC;

namespace Vic.Engine.Tests;

/// <summary>docker login (POST /auth), push, X-Registry-Auth decoding and the registry part of docker info, over the fake image service.</summary>
public sealed class RegistryApiTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).Replace('+', '-').Replace('/', '_');

    private static List<JsonElement> Lines(string body) =>
        body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task Login_answers_like_dockerd_for_good_and_bad_credentials()
    {
        var (ok, json) = await _server.PostAsync("/v1.44/auth", """{"username":"good","password":"secret","serveraddress":"127.0.0.1:5000"}""");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("""{"Status":"Login Succeeded","IdentityToken":""}""", json.GetRawText());

        var (legacy, _) = await _server.PostAsync("/auth", $$"""{"auth":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes("good:secret"))}}","serveraddress":"127.0.0.1:5000"}""");
        Assert.Equal(HttpStatusCode.OK, legacy.StatusCode);

        var (bad, error) = await _server.PostAsync("/auth", """{"username":"good","password":"wrong","serveraddress":"127.0.0.1:5000"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized", error.GetProperty("message").GetString());

        var (malformed, _) = await _server.PostAsync("/auth", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task Pull_and_push_decode_X_Registry_Auth_and_tolerate_an_undecodable_one()
    {
        using (var pull = new HttpRequestMessage(HttpMethod.Post, "/images/create?fromImage=busybox&tag=latest"))
        {
            pull.Headers.Add("X-Registry-Auth", Encode("""{"username":"u","password":"p","serveraddress":"docker.io"}"""));
            using var response = await _server.Client.SendAsync(pull);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(new RegistryCredentials { Username = "u", Password = "p" }, _server.Images.LastCredentials);
        }
        using (var push = new HttpRequestMessage(HttpMethod.Post, "/images/127.0.0.1:5000/busybox/push?tag=latest"))
        {
            push.Headers.Add("X-Registry-Auth", Encode("""{"identitytoken":"refresh-me"}"""));
            using var response = await _server.Client.SendAsync(push);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(new RegistryCredentials { IdentityToken = "refresh-me" }, _server.Images.LastCredentials);
        }
        using (var garbage = new HttpRequestMessage(HttpMethod.Post, "/images/127.0.0.1:5000/busybox/push?tag=latest"))
        {
            garbage.Headers.Add("X-Registry-Auth", "%%%not-base64");
            using var response = await _server.Client.SendAsync(garbage);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(RegistryCredentials.Anonymous, _server.Images.LastCredentials);
        }
        var (noHeader, json) = await _server.PostAsync("/images/127.0.0.1:5000/busybox/push?tag=latest");
        Assert.Equal(HttpStatusCode.BadRequest, noHeader.StatusCode);
        Assert.StartsWith("bad parameters and missing X-Registry-Auth: ", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Push_streams_progress_and_the_aux_result_and_reports_errors_as_dockerd_does()
    {
        using var push = new HttpRequestMessage(HttpMethod.Post, "/v1.44/images/127.0.0.1:5000/busybox/push?tag=latest");
        push.Headers.Add("X-Registry-Auth", Encode("{}"));
        using var response = await _server.Client.SendAsync(push);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = Lines(await response.Content.ReadAsStringAsync());
        Assert.Equal("The push refers to repository [127.0.0.1:5000/busybox]", lines[0].GetProperty("status").GetString());
        Assert.Equal("latest: digest: sha256:" + new string('d', 64) + " size: 527", lines[^2].GetProperty("status").GetString());
        Assert.Equal($$$"""{"progressDetail":{},"aux":{"Tag":"latest","Digest":"sha256:{{{new string('d', 64)}}}","Size":527}}""", lines[^1].GetRawText());

        using var missing = new HttpRequestMessage(HttpMethod.Post, "/images/127.0.0.1:5000/nothing/push?tag=latest");
        missing.Headers.Add("X-Registry-Auth", Encode("{}"));
        using var notFound = await _server.Client.SendAsync(missing);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("An image does not exist locally with the tag: 127.0.0.1:5000/nothing",
            JsonDocument.Parse(await notFound.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Info_shows_the_registry_policy()
    {
        _server.Images.RegistryPolicy = new RegistryPolicy
        {
            InsecureRegistries = ["10.0.0.0/8", "registry.local:5000"],
            Mirrors = ["http://127.0.0.1:5001"],
            Whitelist = ["registry.local:5000", "10.0.0.0/8"],
        };
        var (_, info) = await _server.GetAsync("/info");
        var config = info.GetProperty("RegistryConfig");
        Assert.Equal(["::1/128", "127.0.0.0/8", "10.0.0.0/8"], config.GetProperty("InsecureRegistryCIDRs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["http://127.0.0.1:5001/"], config.GetProperty("Mirrors").EnumerateArray().Select(e => e.GetString()));
        var hub = config.GetProperty("IndexConfigs").GetProperty("docker.io");
        Assert.True(hub.GetProperty("Secure").GetBoolean());
        Assert.True(hub.GetProperty("Official").GetBoolean());
        Assert.False(config.GetProperty("IndexConfigs").GetProperty("registry.local:5000").GetProperty("Secure").GetBoolean());
        Assert.Contains(info.GetProperty("SystemStatus").EnumerateArray(),
            s => s[0].GetString() == "Registry Whitelist" && s[1].GetString() == "registry.local:5000, 10.0.0.0/8");
    }
}
