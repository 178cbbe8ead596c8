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
/// Docker Registry HTTP API v2 / OCI distribution client: endpoint discovery, manifests, blobs. One shared
/// HttpClient (connection pooling across pulls); every request runs under the retry pipeline; every blob is
/// verified against its digest before anyone uses it. Connection failures become UnavailableException with a
/// message like dockerd's; 401/403/404 surface as RegistryHttpException for the caller to word.
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    private const long MaxManifestBytes = 8 << 20;
    private const long MaxErrorBodyBytes = 64 << 10;
    private const string DockerHubRegistry = "registry-1.docker.io";

    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private readonly IRegistryAuthenticator _authenticator;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Uri> _endpoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Domain, string Repository), AuthenticationHeaderValue> _authorizations = new();

    public RegistryClient(HttpMessageHandler? handler, IRegistryAuthenticator authenticator, ResiliencePipeline retry, ILogger logger)
    {
        // Blobs are compressed content whose digest we verify: never let the HTTP layer decompress them.
        handler ??= new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AllowAutoRedirect = true,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        // Layers can take minutes; stalls are bounded by the connect timeout and the caller's token instead.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("vic-imagec/0.1");
        _retry = retry;
        _authenticator = authenticator;
        _logger = logger;
    }

    /// <summary>
    /// The base URI for <paramref name="domain"/>, found by probing /v2/. HTTPS always; a loopback registry that
    /// does not speak TLS is used over plain HTTP, as dockerd treats loopback registries as insecure.
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
        catch (HttpRequestException e) when (e.StatusCode is null && IsLoopback(host) && !cancellationToken.IsCancellationRequested)
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

    public Task<FetchedManifest> GetManifestAsync(Uri endpoint, string domain, string repository, string reference, CancellationToken cancellationToken)
    {
        var url = BuildUrl(endpoint, repository, "manifests", reference);
        return ExecuteAsync(url, async token =>
        {
            using var response = await SendAsync(domain, repository, url, MediaTypes.ManifestAccept, token);
            byte[] body = await ReadLimitedAsync(response, MaxManifestBytes, token);
            return new FetchedManifest(body, response.Content.Headers.ContentType?.MediaType);
        }, cancellationToken);
    }

    /// <summary>Reads a small blob (an image config) into memory and verifies it. <paramref name="what"/> names it in errors.</summary>
    public Task<byte[]> GetBlobBytesAsync(Uri endpoint, string domain, string repository, Descriptor blob, string what, CancellationToken cancellationToken)
    {
        var url = BuildUrl(endpoint, repository, "blobs", blob.Digest);
        return ExecuteAsync(url, async token =>
        {
            using var response = await SendAsync(domain, repository, url, null, token);
            byte[] body = await ReadLimitedAsync(response, MaxManifestBytes, token);
            if (Digest.Of(body) != blob.Digest)
            {
                throw new InternalException($"{what} verification failed for digest {blob.Digest}");
            }
            return body;
        }, cancellationToken);
    }

    /// <summary>
    /// Downloads a blob into <paramref name="path"/> (rewritten from the start on each retry) and verifies its
    /// digest and size. <paramref name="progress"/> gets the bytes received so far.
    /// </summary>
    public Task DownloadBlobAsync(
        Uri endpoint, string domain, string repository, Descriptor blob, string path, Action<long>? progress, CancellationToken cancellationToken)
    {
        var url = BuildUrl(endpoint, repository, "blobs", blob.Digest);
        return ExecuteAsync(url, async token =>
        {
            using var response = await SendAsync(domain, repository, url, null, token);
            await using var body = await response.Content.ReadAsStreamAsync(token);
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            string digest;
            long length;
            try
            {
                (digest, length) = await HashingCopy.CopyAsync(body, file, progress, token, blob.Size > 0 ? blob.Size : long.MaxValue);
            }
            catch (InvalidDataException)
            {
                throw new InternalException($"filesystem layer verification failed for digest {blob.Digest}: larger than its {blob.Size} bytes");
            }
            if (blob.Size > 0 && length < blob.Size)
            {
                throw new TruncatedBodyException(url.ToString(), length, blob.Size);
            }
            if (digest != blob.Digest)
            {
                throw new InternalException($"filesystem layer verification failed for digest {blob.Digest}");
            }
            return true;
        }, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private async Task PingAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var url = new Uri(endpoint, "v2/");
        try
        {
            await _retry.ExecuteAsync(async token =>
            {
                using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token);
                // 200 and 401 both prove a v2 registry; auth is negotiated per request.
                if (RetryPolicy.IsTransientStatus(response.StatusCode))
                {
                    throw new TransientStatusException(response.StatusCode, response.ReasonPhrase, url.ToString());
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

    private async Task<HttpResponseMessage> SendAsync(string domain, string repository, Uri url, string[]? accept, CancellationToken cancellationToken)
    {
        _authorizations.TryGetValue((domain, repository), out var authorization);
        var response = await SendOnceAsync(url, accept, authorization, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            var challenge = response.Headers.WwwAuthenticate.ToList();
            var header = await _authenticator.AuthorizeAsync(domain, repository, challenge, cancellationToken);
            if (header is not null)
            {
                response.Dispose();
                _authorizations[(domain, repository)] = header;
                response = await SendOnceAsync(url, accept, header, cancellationToken);
            }
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            if (RetryPolicy.IsTransientStatus(response.StatusCode))
            {
                throw new TransientStatusException(response.StatusCode, response.ReasonPhrase, url.ToString());
            }
            (string? code, string? message) = await ReadErrorAsync(response, cancellationToken);
            throw new RegistryHttpException(response.StatusCode, code, message, url.ToString());
        }
    }

    private Task<HttpResponseMessage> SendOnceAsync(Uri url, string[]? accept, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (string mediaType in accept ?? [])
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }
        request.Headers.Authorization = authorization;
        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            byte[] body = await ReadLimitedAsync(response, MaxErrorBodyBytes, cancellationToken);
            var errors = JsonSerializer.Deserialize(body, RegistryJson.Default.RegistryErrorsJson);
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

    private static Uri BuildUrl(Uri endpoint, string repository, string kind, string reference) =>
        new(endpoint, $"v2/{repository}/{kind}/{reference}"); // both validated by the reference grammar or Digest

    private static UnavailableException ConnectionFailure(Uri url, HttpRequestException e)
    {
        string detail = RetryPolicy.IsRefused(e)
            ? $"dial tcp {url.Authority}: connect: connection refused"
            : (e.InnerException?.Message is { Length: > 0 } inner ? $"{e.Message} ({inner})" : e.Message);
        return new UnavailableException($"Get \"{url}\": {detail}", e);
    }

    internal static bool IsLoopback(string host)
    {
        if (!Uri.TryCreate("http://" + host + "/", UriKind.Absolute, out var uri))
        {
            return false;
        }
        string name = uri.Host.Trim('[', ']');
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address);
    }
}
