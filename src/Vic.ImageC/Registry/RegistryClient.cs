using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.References;
using Vic.PortLayer;

namespace Vic.ImageC.Registry;

/// <summary>Bytes of a manifest and the media type the registry gave them.</summary>
internal sealed record FetchedManifest(byte[] Bytes, string? ContentType);

/// <summary>
/// Docker Registry HTTP API v2 / OCI distribution client: endpoint discovery, authentication, manifests and blobs
/// both ways. Every request runs under the retry pipeline; every blob read is verified against its digest before
/// anyone uses it. Connection failures become UnavailableException with a message like dockerd's; refused
/// credentials become UnauthorizedException; other 4xx surface as RegistryHttpException for the caller to word.
/// Uploads live in <see cref="RegistryUploads"/>.
/// </summary>
internal sealed partial class RegistryClient : IDisposable
{
    private const long MaxManifestBytes = 8 << 20;
    private const long MaxErrorBodyBytes = 64 << 10;
    private const int MaxTagPages = 1000;
    private const string DockerHubRegistry = "registry-1.docker.io";

    private readonly RegistryAccess _access;
    private readonly RegistryAuthenticator _auth;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Uri> _endpoints = new(StringComparer.OrdinalIgnoreCase);

    public RegistryClient(RegistryAccess access, ResiliencePipeline retry, TimeProvider time, ILogger logger)
    {
        _access = access;
        _auth = new RegistryAuthenticator(access.ClientFor, time);
        _retry = retry;
        _logger = logger;
    }

    public RegistryAccess Access => _access;

    internal RegistryAuthenticator Authenticator => _auth;

    /// <summary>
    /// Opens <paramref name="repository"/> on <paramref name="domain"/> for an operation: refuses what policy refuses,
    /// finds the endpoint, and sets the token scopes (pull, or pull and push, plus pull on <paramref name="alsoPull"/>,
    /// the repositories a push may mount blobs from).
    /// </summary>
    public async Task<RegistrySession> OpenAsync(
        string domain, string repository, RegistryCredentials credentials, bool push, IReadOnlyList<string>? alsoPull, CancellationToken cancellationToken)
    {
        _access.Check(domain);
        var endpoint = await ResolveEndpointAsync(domain, cancellationToken);
        return Session(endpoint, domain, repository, credentials, push, alsoPull);
    }

    public static RegistrySession Session(
        Uri endpoint, string domain, string repository, RegistryCredentials credentials, bool push = false, IReadOnlyList<string>? alsoPull = null)
    {
        var scopes = new List<string> { push ? RegistrySession.PushScope(repository) : RegistrySession.PullScope(repository) };
        scopes.AddRange((alsoPull ?? []).Where(r => r != repository).Distinct(StringComparer.Ordinal).Select(RegistrySession.PullScope));
        return new RegistrySession(endpoint, domain, repository, credentials, scopes);
    }

    /// <summary>
    /// The base URI for <paramref name="domain"/>, found by probing /v2/ (whose challenge is remembered). HTTPS always;
    /// an insecure registry (loopback always is) that does not speak TLS is used over plain HTTP, as dockerd does.
    /// </summary>
    public async Task<Uri> ResolveEndpointAsync(string domain, CancellationToken cancellationToken)
    {
        if (_endpoints.TryGetValue(domain, out var known))
        {
            return known;
        }
        string host = domain == ImageReference.DefaultDomain ? DockerHubRegistry : domain;
        var https = new Uri($"https://{host}/");
        Uri chosen = https;
        try
        {
            await PingAsync(https, cancellationToken);
        }
        catch (HttpRequestException e) when (e.StatusCode is null && _access.IsInsecure(host) && !cancellationToken.IsCancellationRequested)
        {
            Log.FallingBackToHttp(_logger, domain, e.Message);
            chosen = new Uri($"http://{host}/");
            try
            {
                await PingAsync(chosen, cancellationToken);
            }
            catch (HttpRequestException inner) when (inner.StatusCode is null)
            {
                throw ConnectionFailure(new Uri(chosen, "v2/"), inner);
            }
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw ConnectionFailure(new Uri(https, "v2/"), e);
        }
        _endpoints[domain] = chosen;
        return chosen;
    }

    public Task<FetchedManifest> GetManifestAsync(RegistrySession session, string reference, CancellationToken cancellationToken)
    {
        var url = BuildUrl(session, "manifests", reference);
        return ExecuteAsync(url, async token =>
        {
            using var response = await SendCheckedAsync(session, () => Request(HttpMethod.Get, url, MediaTypes.ManifestAccept), token);
            byte[] body = await ReadLimitedAsync(response, MaxManifestBytes, token);
            return new FetchedManifest(body, response.Content.Headers.ContentType?.MediaType);
        }, cancellationToken);
    }

    /// <summary>
    /// Every tag of the session's repository (GET /v2/&lt;name&gt;/tags/list), following the registry's pagination: a
    /// Link header with rel="next" names the next page. Pages are followed only within the same list on the same
    /// registry; a link elsewhere is refused rather than followed.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(RegistrySession session, CancellationToken cancellationToken)
    {
        var list = new Uri(session.Endpoint, $"v2/{session.Repository}/tags/list");
        var tags = new List<string>();
        Uri? page = list;
        for (int pages = 0; page is not null; pages++)
        {
            if (pages == MaxTagPages)
            {
                throw new InternalException($"{list}: more than {MaxTagPages} pages of tags");
            }
            var current = page;
            (var names, page) = await ExecuteAsync(current, async token =>
            {
                using var response = await SendCheckedAsync(session, () => Request(HttpMethod.Get, current, ["application/json"]), token);
                byte[] body = await ReadLimitedAsync(response, MaxManifestBytes, token);
                TagListJson? parsed;
                try
                {
                    parsed = JsonSerializer.Deserialize(body, RegistryJson.Default.TagListJson);
                }
                catch (JsonException e)
                {
                    throw new InternalException($"{current}: invalid tag list: {e.Message}");
                }
                return (parsed?.Tags ?? [], NextPage(response, current, list));
            }, cancellationToken);
            tags.AddRange(names);
        }
        return tags;
    }

    /// <summary>The rel="next" target of a Link header (RFC 8288), resolved against the page that carried it.</summary>
    internal static Uri? NextPage(HttpResponseMessage response, Uri current, Uri list)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }
        foreach (string link in values.SelectMany(v => v.Split(',')))
        {
            int open = link.IndexOf('<'), close = link.IndexOf('>');
            if (open < 0 || close < open)
            {
                continue;
            }
            bool isNext = link[(close + 1)..].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Any(p => p.Replace(" ", "", StringComparison.Ordinal).Trim() is "rel=\"next\"" or "rel=next");
            if (!isNext)
            {
                continue;
            }
            var next = new Uri(current, link[(open + 1)..close].Trim());
            if (next.Scheme != list.Scheme || next.Authority != list.Authority || next.AbsolutePath != list.AbsolutePath)
            {
                throw new InternalException($"{list}: the registry's next page of tags is elsewhere ({next}); not following it");
            }
            return next;
        }
        return null;
    }

    /// <summary>Reads a small blob (an image config) into memory and verifies it. <paramref name="what"/> names it in errors.</summary>
    public Task<byte[]> GetBlobBytesAsync(RegistrySession session, Descriptor blob, string what, CancellationToken cancellationToken)
    {
        var url = BuildUrl(session, "blobs", blob.Digest);
        return ExecuteAsync(url, async token =>
        {
            using var response = await SendCheckedAsync(session, () => Request(HttpMethod.Get, url), token);
            byte[] body = await ReadLimitedAsync(response, MaxManifestBytes, token);
            if (Digest.Of(body) != blob.Digest)
            {
                throw new InternalException($"{what} verification failed for digest {blob.Digest}");
            }
            return body;
        }, cancellationToken);
    }

    /// <summary>
    /// Downloads a blob into <paramref name="path"/> and verifies its digest and size. When a connection breaks or a
    /// body ends early, the retry asks only for the missing bytes (Range: bytes=N-) and keeps what arrived; a registry
    /// that answers 200 instead, or a range other than the one asked for, gets the blob downloaded again from the
    /// start. <paramref name="progress"/> gets the bytes received so far.
    /// </summary>
    public async Task DownloadBlobAsync(RegistrySession session, Descriptor blob, string path, Action<long>? progress, CancellationToken cancellationToken)
    {
        var url = BuildUrl(session, "blobs", blob.Digest);
        using var partial = new PartialBlob(path);
        await ExecuteAsync(url, async token =>
        {
            using var response = await OpenBlobAsync(session, url, blob, partial, token);
            await using var body = await response.Content.ReadAsStreamAsync(token);
            try
            {
                await partial.AppendAsync(body, blob.Size > 0 ? blob.Size : long.MaxValue, progress, token);
            }
            catch (InvalidDataException)
            {
                throw new InternalException($"filesystem layer verification failed for digest {blob.Digest}: larger than its {blob.Size} bytes");
            }
            if (blob.Size > 0 && partial.Received < blob.Size)
            {
                throw new TruncatedBodyException(url.ToString(), partial.Received, blob.Size);
            }
            if (partial.Digest != blob.Digest)
            {
                throw new InternalException($"filesystem layer verification failed for digest {blob.Digest}");
            }
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// The response to read the rest of <paramref name="partial"/> from: a 206 that starts where it stopped, or a full
    /// answer after <see cref="PartialBlob.Restart"/>. Transient failures keep what was received for the next attempt.
    /// </summary>
    private async Task<HttpResponseMessage> OpenBlobAsync(
        RegistrySession session, Uri url, Descriptor blob, PartialBlob partial, CancellationToken cancellationToken)
    {
        long from = partial.Received;
        if (from > 0)
        {
            var response = await SendAsync(session, () =>
            {
                var request = Request(HttpMethod.Get, url);
                request.Headers.Range = new RangeHeaderValue(from, null);
                return request;
            }, cancellationToken);
            if (response.StatusCode == HttpStatusCode.PartialContent && ResumesAt(response.Content.Headers.ContentRange, from, blob.Size))
            {
                Log.ResumingBlob(_logger, blob.Digest, from, blob.Size);
                return response;
            }
            if (response.StatusCode == HttpStatusCode.OK)
            {
                // The registry (or a cache in front of it) ignores Range: this is the blob from its first byte.
                Log.ResumeRefused(_logger, blob.Digest, from, "200 OK");
                partial.Restart();
                return response;
            }
            if (response.StatusCode is not (HttpStatusCode.PartialContent or HttpStatusCode.RequestedRangeNotSatisfiable))
            {
                using (response)
                {
                    throw await FailureAsync(response, cancellationToken);
                }
            }
            // A range other than the one asked for, or one the registry will not serve: nothing received can be trusted
            // to line up with what would follow, so start over.
            Log.ResumeRefused(_logger, blob.Digest, from, $"{(int)response.StatusCode} {response.Content.Headers.ContentRange}");
            response.Dispose();
            partial.Restart();
        }
        return await SendCheckedAsync(session, () => Request(HttpMethod.Get, url), cancellationToken);
    }

    /// <summary>Content-Range "bytes from-(size-1)/size" (the total may be "*" and the size unknown).</summary>
    private static bool ResumesAt(ContentRangeHeaderValue? range, long from, long size) =>
        range is { HasRange: true } && range.Unit == "bytes" && range.From == from
        && (size <= 0 || (range.To == size - 1 && (!range.HasLength || range.Length == size)));

    public void Dispose() => _access.Dispose();

    private async Task PingAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var url = new Uri(endpoint, "v2/");
        try
        {
            await _retry.ExecuteAsync(async token =>
            {
                using var response = await _access.ClientFor(url).GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token);
                // 200 and 401 both prove a v2 registry; the challenge lets later requests authorize up front.
                if (RetryPolicy.IsTransientStatus(response.StatusCode))
                {
                    throw new TransientStatusException(response.StatusCode, response.ReasonPhrase, url.ToString());
                }
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    _auth.Remember(endpoint, AuthChallenge.Choose(response.Headers.WwwAuthenticate));
                }
            }, cancellationToken);
        }
        catch (TransientStatusException e)
        {
            throw new UnavailableException($"received unexpected HTTP status: {(int)e.Status} {e.ReasonPhrase}", e);
        }
        catch (IOException e) when (RetryPolicy.IsTransient(e))
        {
            throw new UnavailableException($"Get \"{url}\": {e.Message}", e);
        }
        // HttpRequestException (no connection) propagates: the caller decides between HTTP fallback and failure.
    }

    private async Task<T> ExecuteAsync<T>(Uri url, Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(attempt, cancellationToken);
        }
        catch (TransientStatusException e)
        {
            throw new UnavailableException($"received unexpected HTTP status: {(int)e.Status} {e.ReasonPhrase}", e);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw ConnectionFailure(url, e);
        }
        catch (IOException e) when (RetryPolicy.IsTransient(e))
        {
            throw new UnavailableException($"Get \"{url}\": {e.Message}", e);
        }
    }

    /// <summary>Sends and requires a 2xx answer: transient statuses are thrown for the retry pipeline, others as RegistryHttpException.</summary>
    private async Task<HttpResponseMessage> SendCheckedAsync(RegistrySession session, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        var response = await SendAsync(session, build, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            throw await FailureAsync(response, cancellationToken);
        }
    }

    private static async Task<Exception> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string url = response.RequestMessage?.RequestUri?.ToString() ?? "";
        if (RetryPolicy.IsTransientStatus(response.StatusCode))
        {
            return new TransientStatusException(response.StatusCode, response.ReasonPhrase, url);
        }
        (string? code, string? message) = await ReadErrorAsync(response, cancellationToken);
        return new RegistryHttpException(response.StatusCode, code, message, url);
    }

    /// <summary>
    /// Sends a request built by <paramref name="build"/> (called again for a retry after a 401, so bodies must be
    /// re-creatable), authorized with the session's header, or up front from a challenge seen at /v2/. A 401 is
    /// answered once with the credentials. Basic-auth refusals throw UnauthorizedException in dockerd's words;
    /// a bearer 401 that persists is returned for the caller to word (it usually means no access to the repository).
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(RegistrySession session, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        if (session.Authorization is null && _auth.KnownChallenge(session.Endpoint) is { } known)
        {
            session.Authorization = await AuthorizeAsync(session, known, refused: false, build, cancellationToken);
        }
        var response = await SendOnceAsync(build, session.Authorization, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized || AuthChallenge.Choose(response.Headers.WwwAuthenticate) is not { } challenge)
        {
            return response;
        }
        _auth.Remember(session.Endpoint, challenge);
        var header = await AuthorizeAsync(session, challenge, refused: session.Authorization is not null, build, cancellationToken);
        if (header is null)
        {
            if (challenge.IsBasic)
            {
                using (response)
                {
                    throw await BasicRefusalAsync(response, session, cancellationToken);
                }
            }
            return response;
        }
        response.Dispose();
        session.Authorization = header;
        response = await SendOnceAsync(build, header, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized && challenge.IsBasic)
        {
            using (response)
            {
                throw await BasicRefusalAsync(response, session, cancellationToken);
            }
        }
        return response;
    }

    private async Task<AuthenticationHeaderValue?> AuthorizeAsync(
        RegistrySession session, AuthChallenge challenge, bool refused, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        try
        {
            return await _auth.AuthorizeAsync(session, challenge, refused, cancellationToken);
        }
        catch (CredentialsRefusedException e)
        {
            using var request = build();
            throw new UnauthorizedException($"{Method(request)} \"{request.RequestUri}\": {e.Detail}");
        }
    }

    private static async Task<UnauthorizedException> BasicRefusalAsync(HttpResponseMessage response, RegistrySession session, CancellationToken cancellationToken)
    {
        string where = $"{Method(response.RequestMessage)} \"{response.RequestMessage?.RequestUri}\"";
        if (!session.Credentials.HasPassword)
        {
            return new UnauthorizedException($"{where}: no basic auth credentials");
        }
        (_, string? message) = await ReadErrorAsync(response, cancellationToken);
        return new UnauthorizedException($"{where}: unauthorized: {(string.IsNullOrEmpty(message) ? "authentication required" : message)}");
    }

    private Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> build, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        var request = build();
        request.Headers.Authorization = authorization;
        return _access.ClientFor(request.RequestUri!).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri url, string[]? accept = null)
    {
        var request = new HttpRequestMessage(method, url);
        foreach (string mediaType in accept ?? [])
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }
        return request;
    }

    /// <summary>Go's spelling of the method, as dockerd's messages show it ("Get", "Head", "Put").</summary>
    private static string Method(HttpRequestMessage? request)
    {
        string method = request?.Method.Method ?? "GET";
        return method[..1] + method[1..].ToLowerInvariant();
    }

    private static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            byte[] body = await ReadLimitedAsync(response, MaxErrorBodyBytes, cancellationToken);
            var errors = body.Length == 0 ? null : JsonSerializer.Deserialize(body, RegistryJson.Default.RegistryErrorsJson);
            var first = errors?.Errors?.FirstOrDefault();
            return (first?.Code, first?.Message);
        }
        catch (Exception e) when (e is JsonException or InternalException or IOException)
        {
            return (null, null);
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, long limit, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        try
        {
            await HashingCopy.CopyAsync(body, buffer, null, cancellationToken, limit);
        }
        catch (InvalidDataException)
        {
            throw new InternalException($"{response.RequestMessage?.RequestUri}: response larger than {limit} bytes");
        }
        return buffer.ToArray();
    }

    private static Uri BuildUrl(RegistrySession session, string kind, string reference) =>
        new(session.Endpoint, $"v2/{session.Repository}/{kind}/{reference}"); // both validated by the reference grammar or Digest

    private static UnavailableException ConnectionFailure(Uri url, HttpRequestException e)
    {
        string detail = RetryPolicy.IsRefused(e)
            ? $"dial tcp {url.Authority}: connect: connection refused"
            : TlsFailure(url, e)
                ?? (e.InnerException?.Message is { Length: > 0 } inner ? $"{e.Message} ({inner})" : e.Message);
        return new UnavailableException($"Get \"{url}\": {detail}", e);
    }

    /// <summary>
    /// A refused server certificate in the words dockerd (Go's crypto/x509) uses, which users search for; .NET only
    /// names the SslPolicyErrors / chain status in its message.
    /// </summary>
    private static string? TlsFailure(Uri url, HttpRequestException e)
    {
        if (e.HttpRequestError != HttpRequestError.SecureConnectionError)
            return null;
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is RegistryCertificateException refused)
                return refused.Message;
        }
        string all = e.InnerException?.ToString() ?? e.Message;
        if (all.Contains("RemoteCertificateNameMismatch", StringComparison.Ordinal))
            return $"tls: failed to verify certificate: x509: certificate is not valid for {url.Host}";
        if (all.Contains("NotTimeValid", StringComparison.Ordinal))
            return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
        if (all.Contains("UntrustedRoot", StringComparison.Ordinal) || all.Contains("PartialChain", StringComparison.Ordinal)
            || all.Contains("RemoteCertificateChainErrors", StringComparison.Ordinal))
            return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
        // What a TLS handshake reads when the server answers in plain HTTP.
        if (e.InnerException is System.Security.Authentication.AuthenticationException && all.Contains("frame", StringComparison.OrdinalIgnoreCase))
            return "http: server gave HTTP response to HTTPS client";
        return null;
    }

    internal static bool IsLoopback(string host) => RegistryMatcher.IsLoopback(host);
}
