using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vic.ImageC.Json;

namespace Vic.ImageC.Registry;

/// <summary>A token server or registry refused the given credentials; <see cref="Detail"/> is its reason ("unauthorized: ...").</summary>
internal sealed class CredentialsRefusedException(string detail) : Exception(detail)
{
    public string Detail { get; } = detail;
}

/// <summary>
/// Answers registry challenges. Basic: the credentials as they are. Bearer (the Docker token spec): a token from
/// the challenge's realm for the operation's scopes, asked anonymously or with the user's password (GET with basic
/// auth) or identity token (OAuth2 refresh_token grant), cached per realm, service, scopes and credentials until
/// it expires. Challenges seen at /v2/ are remembered per endpoint so requests can be authorized up front.
/// </summary>
internal sealed class RegistryAuthenticator(Func<Uri, HttpClient> clientFor, TimeProvider time)
{
    /// <summary>The token spec's default lifetime when a server does not say (and the least we assume).</summary>
    private static readonly TimeSpan MinimumLifetime = TimeSpan.FromSeconds(60);
    /// <summary>Renew a little early so a token never expires between check and use.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(10);
    private const long MaxTokenBody = 1 << 20;
    private const string ClientId = "vic-imagec";

    private readonly ConcurrentDictionary<string, AuthChallenge> _challenges = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<TokenKey, CachedToken> _tokens = new();

    public void Remember(Uri endpoint, AuthChallenge? challenge)
    {
        if (challenge is not null)
        {
            _challenges[endpoint.GetLeftPart(UriPartial.Authority)] = challenge;
        }
    }

    public AuthChallenge? KnownChallenge(Uri endpoint) => _challenges.GetValueOrDefault(endpoint.GetLeftPart(UriPartial.Authority));

    /// <summary>Tokens currently cached (for tests of the cache).</summary>
    internal int CachedTokens => _tokens.Count;

    /// <summary>
    /// The Authorization header for <paramref name="session"/>'s requests under <paramref name="challenge"/>, or null when
    /// there is nothing to offer (anonymous against basic auth, or an anonymous token refused). <paramref name="refused"/>
    /// says the header sent before was answered 401: a cached token is dropped and a fresh one asked for.
    /// </summary>
    public async Task<AuthenticationHeaderValue?> AuthorizeAsync(RegistrySession session, AuthChallenge challenge, bool refused, CancellationToken cancellationToken)
    {
        var credentials = session.Credentials;
        if (challenge.IsBasic)
        {
            return credentials.HasPassword && !refused ? Basic(credentials) : null;
        }
        if (!challenge.IsBearer || challenge["realm"] is not { Length: > 0 } realm)
        {
            return null;
        }
        var scopes = session.Scopes.ToList();
        if (challenge["scope"] is { Length: > 0 } asked && !scopes.Contains(asked, StringComparer.Ordinal))
        {
            scopes.Add(asked);
        }
        scopes.Sort(StringComparer.Ordinal);
        var key = new TokenKey(realm, challenge["service"] ?? "", string.Join(' ', scopes), credentials.Username, credentials.Password, credentials.IdentityToken);
        if (refused)
        {
            _tokens.TryRemove(key, out _);
        }
        else if (_tokens.TryGetValue(key, out var cached) && cached.Expires > time.GetUtcNow())
        {
            return cached.Header;
        }
        TokenResponseJson token;
        try
        {
            token = await FetchTokenAsync(challenge, credentials, scopes, offline: false, cancellationToken);
        }
        catch (CredentialsRefusedException) when (credentials.IsAnonymous)
        {
            return null; // the registry's own 401 says what the user needs to know
        }
        var header = new AuthenticationHeaderValue("Bearer", token.Token ?? token.AccessToken);
        var lifetime = TimeSpan.FromSeconds(Math.Max(token.ExpiresIn ?? 0, (int)MinimumLifetime.TotalSeconds));
        _tokens[key] = new CachedToken(header, time.GetUtcNow() + lifetime - ExpiryMargin);
        return header;
    }

    /// <summary>
    /// Asks the challenge's realm for a token. With an identity token: POST grant_type=refresh_token. Otherwise GET, with
    /// basic auth when a password is given; <paramref name="offline"/> asks for a refresh token too (docker login).
    /// Throws CredentialsRefusedException when the server refuses (401/403), UnavailableException when it cannot be reached.
    /// </summary>
    public async Task<TokenResponseJson> FetchTokenAsync(
        AuthChallenge challenge, RegistryCredentials credentials, IReadOnlyList<string> scopes, bool offline, CancellationToken cancellationToken)
    {
        string realm = challenge["realm"] ?? throw new CredentialsRefusedException("unauthorized: the registry's challenge names no token realm");
        if (!Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("http" or "https"))
        {
            throw new CredentialsRefusedException($"unauthorized: invalid token realm \"{realm}\"");
        }
        string service = challenge["service"] ?? "";
        using var request = credentials.IdentityToken.Length > 0
            ? RefreshRequest(realmUri, service, scopes, credentials.IdentityToken)
            : GetRequest(realmUri, service, scopes, credentials, offline);
        HttpResponseMessage response;
        try
        {
            response = await clientFor(realmUri).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new PortLayer.UnavailableException($"{request.Method} \"{realmUri}\": {e.Message}", e);
        }
        using (response)
        {
            byte[] body = await ReadAsync(response, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
            {
                throw new CredentialsRefusedException(RefusalDetail(body));
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new PortLayer.UnavailableException(
                    $"{request.Method} \"{realmUri}\": token server answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            TokenResponseJson? token;
            try
            {
                token = JsonSerializer.Deserialize(body, TokenJson.Default.TokenResponseJson);
            }
            catch (JsonException e)
            {
                throw new PortLayer.UnavailableException($"{request.Method} \"{realmUri}\": invalid token response: {e.Message}");
            }
            if (token is null || string.IsNullOrEmpty(token.Token ?? token.AccessToken))
            {
                throw new PortLayer.UnavailableException($"{request.Method} \"{realmUri}\": the token server returned no token");
            }
            return token;
        }
    }

    public static AuthenticationHeaderValue Basic(RegistryCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));

    private static HttpRequestMessage GetRequest(Uri realm, string service, IReadOnlyList<string> scopes, RegistryCredentials credentials, bool offline)
    {
        var query = new List<string>();
        if (service.Length > 0)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }
        query.AddRange(scopes.Select(s => "scope=" + Uri.EscapeDataString(s)));
        if (credentials.HasPassword)
        {
            query.Add("account=" + Uri.EscapeDataString(credentials.Username));
            if (offline)
            {
                query.Add("offline_token=true");
                query.Add("client_id=" + ClientId);
            }
        }
        var builder = new UriBuilder(realm);
        string existing = builder.Query.TrimStart('?');
        builder.Query = string.Join('&', (existing.Length > 0 ? [existing] : Array.Empty<string>()).Concat(query));
        var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        if (credentials.HasPassword)
        {
            request.Headers.Authorization = Basic(credentials);
        }
        return request;
    }

    private static HttpRequestMessage RefreshRequest(Uri realm, string service, IReadOnlyList<string> scopes, string refreshToken) =>
        new(HttpMethod.Post, realm)
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "refresh_token"),
                new("refresh_token", refreshToken),
                new("service", service),
                new("scope", string.Join(' ', scopes)),
                new("client_id", ClientId),
            ]),
        };

    private static string RefusalDetail(byte[] body)
    {
        try
        {
            var error = JsonSerializer.Deserialize(body, TokenJson.Default.TokenErrorJson);
            string? message = error?.Details ?? error?.Errors?.FirstOrDefault()?.Message ?? error?.ErrorDescription ?? error?.Error;
            if (!string.IsNullOrWhiteSpace(message))
            {
                return "unauthorized: " + message;
            }
        }
        catch (JsonException)
        {
            string text = Encoding.UTF8.GetString(body).Trim();
            if (text.Length is > 0 and < 200)
            {
                return "unauthorized: " + text;
            }
        }
        return "unauthorized: authentication required";
    }

    private static async Task<byte[]> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        try
        {
            await Digests.HashingCopy.CopyAsync(body, buffer, null, cancellationToken, MaxTokenBody);
        }
        catch (InvalidDataException)
        {
            throw new PortLayer.UnavailableException("token server response too large");
        }
        return buffer.ToArray();
    }

    private sealed record TokenKey(string Realm, string Service, string Scopes, string Username, string Password, string IdentityToken);

    private sealed record CachedToken(AuthenticationHeaderValue Header, DateTimeOffset Expires);
}
