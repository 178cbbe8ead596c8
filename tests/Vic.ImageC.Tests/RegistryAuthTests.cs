using System.Net.Http.Headers;
using System.Text;
using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>Login, push and pull against Debian's docker-registry with htpasswd basic auth and with bearer tokens from a test token server.</summary>
public sealed class RegistryAuthTests : IDisposable
{
    private static readonly Dictionary<string, string> Users = new() { ["alice"] = "wonderland" };
    private static readonly RegistryCredentials Alice = new() { Username = "alice", Password = "wonderland" };
    private static readonly RegistryCredentials WrongPassword = new() { Username = "alice", Password = "looking-glass" };

    private readonly string _work = Directory.CreateTempSubdirectory("vic-auth-").FullName;
    private readonly Harness _harness = new();

    public void Dispose()
    {
        _harness.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Htpasswd_registry_login_push_and_pull_back()
    {
        using var registry = TestRegistry.WithHtpasswd(Users);
        string repo = $"{registry.HostPort}/team/app";
        await _harness.LoadAsync(TestImages.BuildMultiLayer(Path.Combine(_work, "multi")), _work, repo + ":v1");

        var login = await _harness.Service.LoginAsync(registry.HostPort, Alice, default);
        Assert.Equal(new LoginResult("Login Succeeded", ""), login);
        var refused = await Assert.ThrowsAsync<UnauthorizedException>(() => _harness.Service.LoginAsync($"http://{registry.HostPort}", WrongPassword, default));
        Assert.Equal($"login attempt to http://{registry.HostPort}/v2/ failed with status: 401 Unauthorized", refused.Message);

        var anonymous = await Assert.ThrowsAsync<UnauthorizedException>(() => _harness.PushAsync(repo, "v1"));
        Assert.EndsWith(": no basic auth credentials", anonymous.Message);
        var wrong = await Assert.ThrowsAsync<UnauthorizedException>(() => _harness.PushAsync(repo, "v1", WrongPassword));
        Assert.EndsWith(": unauthorized: authentication required", wrong.Message);

        var (pushed, progress) = await _harness.PushAsync(repo, "v1", Alice);

        Assert.Equal($"The push refers to repository [{repo}]", progress.Messages[0].Status);
        Assert.Equal(2, progress.Messages.Count(m => m.Status == "Pushed"));
        string digest = pushed.Single().Digest;
        using (var http = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.BaseUri, "v2/team/app/manifests/v1"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:wonderland")));
            request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, registry.Log);
            Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal(digest, TestImages.Digest(await response.Content.ReadAsByteArrayAsync()));
        }

        using var other = new Harness();
        var denied = await Assert.ThrowsAsync<UnauthorizedException>(() => other.PullAsync(repo + ":v1"));
        Assert.EndsWith(": no basic auth credentials", denied.Message);
        var (image, _) = await other.PullAsync(repo + ":v1", Alice);
        var local = await _harness.Service.FindAsync(repo + ":v1", default);
        Assert.Equal(local!.Id, image.Id);
        Assert.Equal([$"{repo}@{digest}"], image.RepoDigests);
        Assert.Equal(TestImages.SecondLayer(), other.Layers.TarOf(image.TopLayerId!));
    }

    [Fact]
    public async Task Token_registry_login_push_and_pull_with_cached_tokens_and_an_identity_token()
    {
        await using var tokens = await TokenServer.StartAsync(Users, _work);
        using var registry = TestRegistry.WithTokenAuth(tokens.Realm, TokenServer.Service, TokenServer.Issuer, tokens.RootCertBundle);
        string repo = $"{registry.HostPort}/app";
        await _harness.LoadAsync(TestImages.BuildBusybox(Path.Combine(_work, "busybox")), _work, repo + ":latest");

        var refused = await Assert.ThrowsAsync<UnauthorizedException>(() => _harness.Service.LoginAsync(registry.HostPort, WrongPassword, default));
        Assert.Equal($"Get \"http://{registry.HostPort}/v2/\": unauthorized: incorrect username or password", refused.Message);
        var login = await _harness.Service.LoginAsync(registry.HostPort, Alice, default);
        Assert.Equal("Login Succeeded", login.Status);
        Assert.NotEmpty(login.IdentityToken);

        var (pushed, _) = await _harness.PushAsync(repo, "latest", Alice);
        Assert.Single(pushed);

        using var other = new Harness();
        var anonymous = await Assert.ThrowsAsync<NotFoundException>(() => other.PullAsync(repo));
        Assert.Equal($"pull access denied for {repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", anonymous.Message);

        var byIdentityToken = new RegistryCredentials { IdentityToken = login.IdentityToken };
        var (image, _) = await other.PullAsync(repo, byIdentityToken);
        Assert.Equal(pushed[0].Digest, image.RepoDigests.Single()[(repo.Length + 1)..]);

        // The token for this scope and these credentials is cached: pulling again asks the token server nothing.
        int before = tokens.Requests;
        var (again, progress) = await other.PullAsync(repo, byIdentityToken);
        Assert.Equal(image.Id, again.Id);
        Assert.Equal($"Status: Image is up to date for {repo}:latest", progress.Messages[^1].Status);
        Assert.Equal(before, tokens.Requests);

        var badToken = await Assert.ThrowsAsync<UnauthorizedException>(() => other.PullAsync(repo, new RegistryCredentials { IdentityToken = "forged" }));
        Assert.EndsWith(": unauthorized: invalid refresh token", badToken.Message);
    }
}
