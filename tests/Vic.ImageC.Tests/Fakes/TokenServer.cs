using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vic.ImageC.Tests.Fakes;

/// <summary>
/// A Docker token server on 127.0.0.1 for Debian's docker-registry configured with "auth: token": issues RS256 JWTs
/// whose x5c header carries a self-signed certificate the registry trusts (its rootcertbundle). Users authenticate
/// with basic auth (GET) or a refresh token it issued for offline_token=true (POST, OAuth2). Authenticated users get
/// the actions they ask for; anonymous requests get a token granting nothing. Counts token requests.
/// </summary>
internal sealed class TokenServer : IAsyncDisposable
{
    public const string Service = "vic-test-registry";
    public const string Issuer = "vic-test-issuer";

    private readonly WebApplication _app;
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentDictionary<string, string> _refreshTokens = new(StringComparer.Ordinal);
    private int _requests;

    private TokenServer(WebApplication app, IReadOnlyDictionary<string, string> users, string directory)
    {
        _app = app;
        Users = users;
        var request = new CertificateRequest("CN=vic test token issuer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        RootCertBundle = Path.Combine(directory, "token-ca.pem");
        File.WriteAllText(RootCertBundle, _certificate.ExportCertificatePem());
    }

    public IReadOnlyDictionary<string, string> Users { get; }

    public string RootCertBundle { get; }

    public string Realm { get; private set; } = "";

    /// <summary>Token requests answered so far (successful or not).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Lifetime of issued tokens, in seconds.</summary>
    public int ExpiresIn { get; set; } = 300;

    public static async Task<TokenServer> StartAsync(IReadOnlyDictionary<string, string> users, string directory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TokenServer(app, users, directory);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Realm = new Uri(new Uri(address), "token").ToString();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        string? account;
        IEnumerable<string> scopes;
        bool offline = false;
        if (HttpMethods.IsPost(ctx.Request.Method))
        {
            var form = await ctx.Request.ReadFormAsync();
            if (form["grant_type"] != "refresh_token" || !_refreshTokens.TryGetValue(form["refresh_token"].ToString(), out account))
            {
                await Deny(ctx, "invalid refresh token");
                return;
            }
            scopes = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        else
        {
            account = null;
            if (ctx.Request.Headers.Authorization.ToString() is { Length: > 6 } header && header.StartsWith("Basic ", StringComparison.Ordinal))
            {
                string[] pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
                if (pair.Length != 2 || !Users.TryGetValue(pair[0], out string? password) || password != pair[1])
                {
                    await Deny(ctx, "incorrect username or password");
                    return;
                }
                account = pair[0];
            }
            scopes = ctx.Request.Query["scope"].Select(s => s!);
            offline = ctx.Request.Query["offline_token"] == "true";
        }
        var access = new JsonArray();
        if (account is not null)
        {
            foreach (string scope in scopes)
            {
                // "repository:name:pull,push" (names have no colon but may carry a port-less path)
                int last = scope.LastIndexOf(':');
                int first = scope.IndexOf(':');
                if (first < 0 || last <= first)
                {
                    continue;
                }
                access.Add(new JsonObject
                {
                    ["type"] = scope[..first],
                    ["name"] = scope[(first + 1)..last],
                    ["actions"] = new JsonArray(scope[(last + 1)..].Split(',').Select(a => (JsonNode)a).ToArray()),
                });
            }
        }
        string token = Sign(account ?? "", access);
        var body = new JsonObject { ["token"] = token, ["access_token"] = token, ["expires_in"] = ExpiresIn };
        if (offline && account is not null)
        {
            string refresh = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            _refreshTokens[refresh] = account;
            body["refresh_token"] = refresh;
        }
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString());
    }

    private string Sign(string subject, JsonArray access)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new JsonObject
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)),
        };
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = Service,
            ["exp"] = now + ExpiresIn,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        string signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static Task Deny(HttpContext ctx, string details)
    {
        ctx.Response.StatusCode = 401;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["details"] = details }));
    }

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
