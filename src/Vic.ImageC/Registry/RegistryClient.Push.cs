using System.Net;
using System.Net.Http.Headers;
using Vic.ImageC.Digests;
using Vic.ImageC.Layers;
using Vic.PortLayer;

namespace Vic.ImageC.Registry;

// The write side of the registry API (push) and docker login.
internal sealed partial class RegistryClient
{
    /// <summary>HEAD on the blob in the session's repository: true when the registry has it there.</summary>
    public Task<bool> BlobExistsAsync(RegistrySession session, string digest, CancellationToken cancellationToken)
    {
        var url = BuildUrl(session, "blobs", digest);
        return ExecuteAsync(url, async token =>
        {
            using var response = await SendAsync(session, () => Request(HttpMethod.Head, url), token);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw await FailureAsync(response, token);
            }
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Cross-repository mount of a blob the registry holds in <paramref name="fromRepository"/>. True when mounted
    /// (201); false when the registry declined and opened an upload instead (202), which is cancelled.
    /// </summary>
    public Task<bool> TryMountAsync(RegistrySession session, string digest, string fromRepository, CancellationToken cancellationToken)
    {
        var url = new Uri(session.Endpoint,
            $"v2/{session.Repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(fromRepository)}");
        return ExecuteAsync(url, async token =>
        {
            using var response = await SendCheckedAsync(session, () => Request(HttpMethod.Post, url), token);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return true;
            }
            if (response.Headers.Location is { } location)
            {
                // Best effort: an abandoned upload expires on the registry anyway.
                try
                {
                    using var cancel = await SendAsync(session, () => Request(HttpMethod.Delete, new Uri(session.Endpoint, location)), token);
                }
                catch (HttpRequestException)
                {
                }
            }
            return false;
        }, cancellationToken);
    }

    /// <summary>
    /// Uploads the blob at <paramref name="path"/>: one PUT when it is at most <paramref name="chunkSize"/> bytes, else
    /// PATCH chunks with Content-Range and a closing PUT. A transient failure restarts the upload from a new session.
    /// </summary>
    public Task UploadBlobAsync(
        RegistrySession session, string path, string digest, long size, int chunkSize, Action<long>? progress, CancellationToken cancellationToken)
    {
        var start = new Uri(session.Endpoint, $"v2/{session.Repository}/blobs/uploads/");
        return ExecuteAsync(start, async token =>
        {
            progress?.Invoke(0);
            Uri location;
            using (var opened = await SendCheckedAsync(session, () => Request(HttpMethod.Post, start), token))
            {
                location = UploadLocation(session, opened);
            }
            if (size > chunkSize)
            {
                location = await PatchChunksAsync(session, location, path, size, chunkSize, progress, token);
            }
            var put = WithDigest(location, digest);
            using var response = await SendCheckedAsync(session, () =>
            {
                var request = Request(HttpMethod.Put, put);
                request.Content = size > chunkSize ? new ByteArrayContent([]) : FileContent(path, progress);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return request;
            }, token);
            RequireDigest(response, digest, "blob");
            return true;
        }, cancellationToken);
    }

    /// <summary>PUTs a manifest under a tag (or digest); returns its digest as the registry computed it.</summary>
    public Task<string> PutManifestAsync(RegistrySession session, string reference, byte[] manifest, string mediaType, CancellationToken cancellationToken)
    {
        var url = BuildUrl(session, "manifests", reference);
        string digest = Digest.Of(manifest);
        return ExecuteAsync(url, async token =>
        {
            using var response = await SendCheckedAsync(session, () =>
            {
                var request = Request(HttpMethod.Put, url);
                request.Content = new ByteArrayContent(manifest);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return request;
            }, token);
            RequireDigest(response, digest, "manifest");
            return digest;
        }, cancellationToken);
    }

    /// <summary>
    /// docker login: proves the credentials against the registry's /v2/ (directly for basic auth, through its token
    /// server for bearer auth). A registry that needs no authentication accepts any credentials, as with dockerd.
    /// </summary>
    public async Task<LoginResult> LoginAsync(string domain, RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        _access.Check(domain);
        var endpoint = await ResolveEndpointAsync(domain, cancellationToken);
        var url = new Uri(endpoint, "v2/");
        return await ExecuteAsync(url, async token =>
        {
            var http = _access.ClientFor(url);
            using var anonymous = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token);
            if (anonymous.IsSuccessStatusCode)
            {
                return new LoginResult("Login Succeeded", "");
            }
            if (anonymous.StatusCode != HttpStatusCode.Unauthorized || AuthChallenge.Choose(anonymous.Headers.WwwAuthenticate) is not { } challenge)
            {
                throw await FailureAsync(anonymous, token);
            }
            string identityToken = "";
            AuthenticationHeaderValue header;
            if (challenge.IsBasic)
            {
                header = RegistryAuthenticator.Basic(credentials);
            }
            else
            {
                try
                {
                    var issued = await _auth.FetchTokenAsync(challenge, credentials, [], offline: credentials.HasPassword, token);
                    header = new AuthenticationHeaderValue("Bearer", issued.Token ?? issued.AccessToken);
                    identityToken = credentials.HasPassword ? issued.RefreshToken ?? "" : credentials.IdentityToken;
                }
                catch (CredentialsRefusedException e)
                {
                    throw new UnauthorizedException($"Get \"{url}\": {e.Detail}");
                }
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Authorization = header } };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            if (response.IsSuccessStatusCode)
            {
                return new LoginResult("Login Succeeded", identityToken);
            }
            if (RetryPolicy.IsTransientStatus(response.StatusCode))
            {
                throw new TransientStatusException(response.StatusCode, response.ReasonPhrase, url.ToString());
            }
            throw new UnauthorizedException($"login attempt to {url} failed with status: {(int)response.StatusCode} {ReasonPhrase(response.StatusCode)}");
        }, cancellationToken);
    }

    private async Task<Uri> PatchChunksAsync(
        RegistrySession session, Uri location, string path, long size, int chunkSize, Action<long>? progress, CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[chunkSize];
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        long offset = 0;
        while (offset < size)
        {
            int length = await file.ReadAtLeastAsync(chunk, (int)Math.Min(chunkSize, size - offset), throwOnEndOfStream: true, cancellationToken);
            long first = offset;
            var target = location;
            using var response = await SendCheckedAsync(session, () =>
            {
                var request = Request(HttpMethod.Patch, target);
                request.Content = new ByteArrayContent(chunk, 0, length);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                // The distribution spec's form: inclusive byte range, without a unit.
                request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{first}-{first + length - 1}");
                return request;
            }, cancellationToken);
            location = UploadLocation(session, response);
            offset += length;
            progress?.Invoke(offset);
        }
        return location;
    }

    private static HttpContent FileContent(string path, Action<long>? progress)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        Stream body = progress is null ? file : new ObservedReadStream(file, progress);
        var content = new StreamContent(body, 128 * 1024);
        content.Headers.ContentLength = file.Length;
        return content;
    }

    private static Uri UploadLocation(RegistrySession session, HttpResponseMessage response) =>
        response.Headers.Location is { } location
            ? new Uri(session.Endpoint, location)
            : throw new InternalException($"{response.RequestMessage?.RequestUri}: the registry gave no upload location");

    private static Uri WithDigest(Uri location, string digest)
    {
        var builder = new UriBuilder(location);
        string query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        return builder.Uri;
    }

    private static void RequireDigest(HttpResponseMessage response, string digest, string what)
    {
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { Length: > 0 } given && given != digest)
        {
            throw new InternalException($"the registry stored the {what} as {given}, expected {digest}");
        }
    }

    private static string ReasonPhrase(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.NotFound => "Not Found",
        _ => status.ToString(),
    };
}
