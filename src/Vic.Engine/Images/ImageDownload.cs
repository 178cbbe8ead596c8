using System.Net;
using System.Net.Sockets;
using Vic.PortLayer;

namespace Vic.Engine.Images;

/// <summary>
/// The source of <c>docker import &lt;url&gt;</c>, fetched as dockerd fetches it: a source without "://" is taken as
/// http; a failure to connect is the client's error text; an answer of 400 and up fails with "failed to GET &lt;url&gt;
/// with status &lt;code&gt; &lt;reason&gt;: &lt;body&gt;" (404 Not Found, 400 Bad Request, 401, 403 their own kinds, the rest a 500).
/// The VCH fetches it, not the client: the tarball goes straight into the layer applier's VM like any import body.
/// </summary>
internal static class ImageDownload
{
    /// <summary>No overall timeout, as Go's http.Get: a large rootfs over a slow link may take long; the request's
    /// own cancellation (the client going away) ends it.</summary>
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>"127.0.0.1:8000/rootfs.tar" becomes "http://127.0.0.1:8000/rootfs.tar"; InvalidArgument for what is no URL.</summary>
    public static Uri Normalize(string source)
    {
        string url = source.Contains("://", StringComparison.Ordinal) ? source : "http://" + source;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new InvalidArgumentException($"parse \"{url}\": invalid URL");
        return uri;
    }

    /// <summary>The response to read the tarball from (its headers read, its body not yet); throws dockerd's errors.</summary>
    public static async Task<HttpResponseMessage> GetAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (uri.Scheme is not ("http" or "https"))
            throw new InternalException($"Get \"{uri}\": unsupported protocol scheme \"{uri.Scheme}\"");
        HttpResponseMessage response;
        try
        {
            response = await Client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new InternalException($"Get \"{uri}\": {Describe(uri, e)}");
        }
        if ((int)response.StatusCode < 400)
            return response;
        using (response)
        {
            string status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            string message = $"failed to GET {uri} with status {status}";
            string body;
            try
            {
                body = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
            }
            catch (HttpRequestException e)
            {
                throw new InternalException($"{message}: error reading body: {e.Message}");
            }
            message += ": " + body;
            throw response.StatusCode switch
            {
                HttpStatusCode.NotFound => new NotFoundException(message),
                HttpStatusCode.BadRequest => new InvalidArgumentException(message),
                HttpStatusCode.Unauthorized => new UnauthorizedException(message),
                HttpStatusCode.Forbidden => new ForbiddenException(message),
                _ => new InternalException(message),
            };
        }
    }

    /// <summary>Go's words for the usual connection failures (the CLI user sees them as dockerd prints them).</summary>
    private static string Describe(Uri uri, HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => $"dial tcp {uri.Host}:{uri.Port}: connect: connection refused",
        SocketException { SocketErrorCode: SocketError.HostNotFound } => $"dial tcp: lookup {uri.Host}: no such host",
        _ => e.Message,
    };
}
