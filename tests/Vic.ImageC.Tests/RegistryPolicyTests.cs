using Vic.ImageC.Registry;
using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>Whitelist, blacklist and Docker Hub mirrors, against Debian's docker-registry; matching and parsing rules in isolation.</summary>
public sealed class RegistryPolicyTests(TestRegistry registry) : IClassFixture<TestRegistry>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vic-policy-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task A_whitelist_refuses_every_other_registry_and_a_blacklist_its_entries()
    {
        using var whitelisted = new Harness(configure: o => o with { Registries = new RegistryPolicy { Whitelist = ["10.0.0.0/8", "*.example.com"] } });
        var pull = await Assert.ThrowsAsync<ForbiddenException>(() => whitelisted.PullAsync($"{registry.HostPort}/busybox"));
        Assert.Equal($"Access denied to unauthorized registry ({registry.HostPort}) while VCH is in whitelist mode", pull.Message);
        await Assert.ThrowsAsync<ForbiddenException>(() => whitelisted.Service.LoginAsync(registry.HostPort, RegistryCredentials.Anonymous, default));
        Assert.Empty(await whitelisted.Service.ListAsync(default));

        using var blacklisted = new Harness(configure: o => o with { Registries = new RegistryPolicy { Blacklist = ["127.0.0.1"] } });
        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => blacklisted.PullAsync($"{registry.HostPort}/busybox"));
        Assert.Equal($"Access denied to blacklisted registry ({registry.HostPort})", refused.Message);

        using var allowed = new Harness(configure: o => o with { Registries = new RegistryPolicy { Whitelist = ["127.0.0.0/8"] } });
        await registry.PushAsync(TestImages.BuildBusybox(Path.Combine(_work, "busybox")), "allowed");
        var (image, _) = await allowed.PullAsync($"{registry.HostPort}/allowed");
        Assert.NotEmpty(image.DiffIds);
    }

    [Fact]
    public async Task Docker_hub_names_resolve_against_the_mirror()
    {
        var busybox = TestImages.BuildBusybox(Path.Combine(_work, "busybox"));
        await registry.PushAsync(busybox, "library/busybox", "1.36");
        using var harness = new Harness(configure: o => o with { Registries = new RegistryPolicy { Mirrors = [registry.BaseUri.ToString().TrimEnd('/')] } });

        var (image, progress) = await harness.PullAsync("busybox:1.36");

        Assert.Equal(busybox.ImageId, image.Id);
        Assert.Equal(["busybox:1.36"], image.RepoTags);
        Assert.Equal("Status: Downloaded newer image for busybox:1.36", progress.Messages[^1].Status);
    }

    [Fact]
    public void Invalid_policies_are_refused_when_the_service_is_built()
    {
        string data = Path.Combine(_work, "data");
        Assert.Throws<ArgumentException>(() => new ImageService(new RecordingLayerStore(), new InMemoryMetadataStore(),
            new ImageServiceOptions { DataDirectory = data, Registries = new RegistryPolicy { Mirrors = ["ftp://mirror"] } }));
        Assert.Throws<ArgumentException>(() => new ImageService(new RecordingLayerStore(), new InMemoryMetadataStore(),
            new ImageServiceOptions { DataDirectory = data, Registries = new RegistryPolicy { InsecureRegistries = ["https://host"] } }));
    }

    [Theory]
    [InlineData("registry.example.com:5000", "registry.example.com:5000", true)]
    [InlineData("registry.example.com:5000", "registry.example.com:5001", false)]
    [InlineData("registry.example.com", "registry.example.com:5001", true)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("10.0.0.0/8", "10.1.2.3:5000", true)]
    [InlineData("10.0.0.0/8", "11.1.2.3", false)]
    [InlineData("::1", "[::1]:5000", true)]
    public void Registry_patterns_match_host_port_wildcards_and_cidrs(string pattern, string registryName, bool matches) =>
        Assert.Equal(matches, RegistryMatcher.Matches(pattern, registryName));

    [Fact]
    public void Challenges_keep_quoted_commas_and_prefer_bearer()
    {
        var challenge = AuthChallenge.Choose(
        [
            new("Basic", "realm=\"basic\""),
            new("Bearer", "realm=\"https://auth.example.com/token\",service=\"registry\",scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\""),
        ]);
        Assert.True(challenge!.IsBearer);
        Assert.Equal("https://auth.example.com/token", challenge["realm"]);
        Assert.Equal("repository:a/b:pull,push", challenge["scope"]);
        Assert.Equal("insufficient_scope", challenge["error"]);
    }

    [Theory]
    [InlineData("", "docker.io")]
    [InlineData("https://index.docker.io/v1/", "docker.io")]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("127.0.0.1:5000/", "127.0.0.1:5000")]
    [InlineData("registry.example.com", "registry.example.com")]
    public void Login_server_addresses_are_normalised(string given, string expected) =>
        Assert.Equal(expected, ServerAddress.Normalize(given));

    [Theory]
    [InlineData("*", "registry.example.com", true)]
    [InlineData("example.com", "registry.example.com:5000", true)]
    [InlineData(".example.com", "registry.example.com", true)]
    [InlineData(".example.com", "example.com", true)]
    [InlineData("example.com", "notexample.com", false)]
    [InlineData("10.0.0.0/8", "10.1.2.3:5000", true)]
    [InlineData("registry:5000", "registry:5001", false)]
    public void No_proxy_entries_cover_hosts_domains_and_cidrs(string entry, string registryName, bool bypassed) =>
        Assert.Equal(bypassed, RegistryProxy.Bypasses([entry], registryName));

    [Fact]
    public void Proxy_passwords_are_masked_and_bad_proxies_refused()
    {
        Assert.Equal("http://u:xxxxx@proxy:3128/", RegistryPolicy.MaskedProxy("http://u:secret@proxy:3128"));
        Assert.Equal("http://proxy:3128", RegistryPolicy.MaskedProxy("http://proxy:3128"));
        Assert.Equal("", RegistryPolicy.MaskedProxy(null));
        var bad = Assert.Throws<ArgumentException>(() => new ImageService(new RecordingLayerStore(), new InMemoryMetadataStore(),
            new ImageServiceOptions { DataDirectory = Path.Combine(_work, "d"), Registries = new RegistryPolicy { HttpsProxy = "socks5://p:1080" } }));
        Assert.StartsWith("invalid HTTPS proxy \"socks5://p:1080\"", bad.Message);
    }
}
