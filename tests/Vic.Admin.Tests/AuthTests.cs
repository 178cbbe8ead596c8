using System.Net;
using Vic.TestSupport;

namespace Vic.Admin.Tests;

public sealed class AuthTests
{
    public static TheoryData<string> EveryPath => new()
    {
        "/", "/containers", $"/containers/{AdminTestServer.RunningId}/log", $"/containers/{AdminTestServer.RunningId}/log/stream",
        "/containers/web/log", "/vch/log", "/vch/log/stream", "/bundle.zip", "/bundle.tar.gz", "/no-such-page",
    };

    [Theory]
    [MemberData(nameof(EveryPath))]
    public async Task Every_page_refuses_without_login_and_shows_no_vch_data(string path)
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = server.Client();
        var response = await client.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("name=\"token\"", body, StringComparison.Ordinal);
        foreach (string data in new[] { "test-vch", "web", "busybox", "hello from web", "VCH test started", AdminTestServer.RunningId[..12] })
            Assert.DoesNotContain(data, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong-token")]
    [InlineData("")]
    [InlineData(AdminTestServer.Token + "x")]
    [InlineData("tok-3b8f0c1e")]
    public async Task A_bad_token_gets_401_no_cookie_and_no_data(string token)
    {
        await using var server = await AdminTestServer.StartAsync();
        var cookies = new CookieContainer();
        using var client = server.Client(cookies: cookies);
        var response = await client.PostAsync("/login", new FormUrlEncodedContent([new("token", token)]));
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("not valid", body, StringComparison.Ordinal);
        Assert.DoesNotContain("test-vch", body, StringComparison.Ordinal);
        Assert.Empty(cookies.GetCookies(server.BaseAddress));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Token_login_sets_a_strict_secure_httponly_session_cookie_that_opens_every_page()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = server.Client();
        var login = await client.PostAsync("/login", new FormUrlEncodedContent([new("token", AdminTestServer.Token)]));
        Assert.Equal(HttpStatusCode.SeeOther, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
        string cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("vicadmin_session=", cookie, StringComparison.Ordinal);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(AdminTestServer.Token, cookie, StringComparison.Ordinal);

        foreach (string path in new[] { "/", "/containers", $"/containers/{AdminTestServer.RunningId}/log", "/vch/log" })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Logout_ends_the_session_even_for_a_copied_cookie()
    {
        await using var server = await AdminTestServer.StartAsync();
        var cookies = new CookieContainer();
        using var client = server.Client(cookies: cookies);
        await client.PostAsync("/login", new FormUrlEncodedContent([new("token", AdminTestServer.Token)]));
        string session = cookies.GetCookies(server.BaseAddress)["vicadmin_session"]!.Value;

        var logout = await client.PostAsync("/logout", null);
        Assert.Equal(HttpStatusCode.SeeOther, logout.StatusCode);
        Assert.Equal("/login", logout.Headers.Location?.OriginalString);

        // The browser dropped its cookie; a copy of the old value must not work either.
        var replay = new CookieContainer();
        replay.Add(server.BaseAddress, new Cookie("vicadmin_session", session));
        using var other = server.Client(cookies: replay);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_forged_session_cookie_is_refused()
    {
        await using var server = await AdminTestServer.StartAsync();
        var cookies = new CookieContainer();
        cookies.Add(server.BaseAddress, new Cookie("vicadmin_session", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        using var client = server.Client(cookies: cookies);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_client_certificate_from_the_vch_ca_logs_in_without_a_token()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var certificate = TestCertificates.Leaf(server.Ca, "admin", TestCertificates.ClientAuth);
        using var client = server.Client(certificate);
        var response = await client.GetAsync("/");
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("client certificate CN=admin", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_certificate_from_another_ca_or_for_servers_gets_the_login_page()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var stranger = TestCertificates.Authority("someone else");
        using var foreign = TestCertificates.Leaf(stranger, "admin", TestCertificates.ClientAuth);
        using var serverOnly = TestCertificates.Leaf(server.Ca, "a-server", TestCertificates.ServerAuth);
        foreach (var certificate in new[] { foreign, serverOnly })
        {
            using var client = server.Client(certificate);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/containers")).StatusCode);
        }
    }

    [Fact]
    public async Task Without_client_cas_only_the_token_logs_in()
    {
        await using var server = await AdminTestServer.StartAsync(clientCertificates: false);
        using var certificate = TestCertificates.Leaf(server.Ca, "admin", TestCertificates.ClientAuth);
        using var withCertificate = server.Client(certificate);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withCertificate.GetAsync("/")).StatusCode);
        using var withToken = await server.LoggedInClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Deleting_the_token_file_turns_token_login_off()
    {
        await using var server = await AdminTestServer.StartAsync();
        File.Delete(server.TokenFile);
        using var client = server.Client();
        var response = await client.PostAsync("/login", new FormUrlEncodedContent([new("token", AdminTestServer.Token)]));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Token login is off", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_forbid_outside_scripts_and_caching()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        var response = await client.GetAsync("/containers");
        string csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'nonce-", csp, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.DoesNotContain("<script src", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
