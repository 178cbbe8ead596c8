using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vic.TestSupport;

namespace Vic.ImageC.Tests.Fakes;

/// <summary>
/// A registry v2 on 127.0.0.1 (Kestrel, plain HTTP) serving content the test puts in, with failure injection:
/// transient statuses, truncated and corrupted bodies, auth challenges. Counts requests per path.
/// </summary>
internal sealed class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (byte[] Body, string MediaType)> _manifests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<HttpContext, Task>>> _faults = new(StringComparer.Ordinal);

    private FakeRegistry(WebApplication app) => _app = app;

    public string HostPort { get; private set; } = "";

    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    /// <summary>Answer every request for an unknown repository with NAME_UNKNOWN (as Docker Hub-like registries do).</summary>
    public HashSet<string> Repositories { get; } = [];

    /// <summary>Repositories that answer 401 with a bearer challenge.</summary>
    public HashSet<string> Protected { get; } = [];

    public static async Task<FakeRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var registry = new FakeRegistry(app);
        app.Run(registry.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        registry.HostPort = new Uri(address).Authority;
        return registry;
    }

    public void AddBlob(byte[] content) => _blobs[TestImages.Digest(content)] = content;

    /// <summary>Stores a manifest under its digest, and under <paramref name="tag"/> in <paramref name="repository"/> when given.</summary>
    public string AddManifest(string repository, string? tag, byte[] body, string mediaType)
    {
        Repositories.Add(repository);
        string digest = TestImages.Digest(body);
        _manifests[$"{repository}@{digest}"] = (body, mediaType);
        if (tag is not null)
        {
            _manifests[$"{repository}:{tag}"] = (body, mediaType);
        }
        return digest;
    }

    /// <summary>Adds every blob of a TestImages layout and its manifest as repository:tag; returns the manifest digest.</summary>
    public string AddImage(string repository, string tag, OciImage image)
    {
        foreach (string file in Directory.GetFiles(Path.Combine(image.LayoutDirectory, "blobs", "sha256")))
        {
            AddBlob(File.ReadAllBytes(file));
        }
        return AddManifest(repository, tag, File.ReadAllBytes(image.BlobPath(image.ManifestDigest)), "application/vnd.oci.image.manifest.v1+json");
    }

    /// <summary>The next <paramref name="times"/> requests whose path ends with <paramref name="pathSuffix"/> get <paramref name="status"/>.</summary>
    public void FailNext(string pathSuffix, int times, HttpStatusCode status) =>
        Enqueue(pathSuffix, times, ctx =>
        {
            ctx.Response.StatusCode = (int)status;
            return Task.CompletedTask;
        });

    /// <summary>The next request for the blob sends <paramref name="bytes"/> of it (half by default) and drops the connection.</summary>
    public void TruncateNext(string digest, int? bytes = null) =>
        Enqueue("/blobs/" + digest, 1, async ctx =>
        {
            byte[] blob = _blobs[digest];
            var (start, length) = RangeOf(ctx, blob.Length);
            var headers = new Dictionary<string, string> { ["Content-Type"] = "application/octet-stream", ["Content-Length"] = length.ToString() };
            if (start > 0)
            {
                headers["Content-Range"] = $"bytes {start}-{start + length - 1}/{blob.Length}";
            }
            await BrokenConnection.SendThenCloseAsync(ctx, start > 0 ? 206 : 200, headers, blob.AsMemory(start, Math.Min(bytes ?? length / 2, length)));
        });

    /// <summary>The next request for the blob is answered 206 from its first byte, whatever range was asked for.</summary>
    public void WrongRangeNext(string digest) =>
        Enqueue("/blobs/" + digest, 1, async ctx =>
        {
            byte[] blob = _blobs[digest];
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes 0-{blob.Length - 1}/{blob.Length}";
            ctx.Response.ContentLength = blob.Length;
            await ctx.Response.Body.WriteAsync(blob);
        });

    /// <summary>Whether blob requests with a Range header get 206 and that range (as Debian's docker-registry does).</summary>
    public bool ServesRanges { get; set; } = true;

    /// <summary>"path Range" of every request that carried a Range header, in order.</summary>
    public ConcurrentQueue<string> RangeRequests { get; } = new();

    /// <summary>Serve <paramref name="replacement"/> whenever <paramref name="digest"/> is asked for.</summary>
    public void Corrupt(string digest, byte[] replacement) => _blobs[digest] = replacement;

    public int RequestsFor(string pathSuffix) => Requests.Where(r => r.Key.EndsWith(pathSuffix, StringComparison.Ordinal)).Sum(r => r.Value);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Enqueue(string pathSuffix, int times, Func<HttpContext, Task> fault)
    {
        var queue = _faults.GetOrAdd(pathSuffix, _ => new ConcurrentQueue<Func<HttpContext, Task>>());
        for (int i = 0; i < times; i++)
        {
            queue.Enqueue(fault);
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        string path = ctx.Request.Path.Value ?? "";
        Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (ctx.Request.Headers.Range.Count > 0)
        {
            RangeRequests.Enqueue($"{path} {ctx.Request.Headers.Range}");
        }
        foreach (var (suffix, queue) in _faults)
        {
            if (path.EndsWith(suffix, StringComparison.Ordinal) && queue.TryDequeue(out var fault))
            {
                await fault(ctx);
                return;
            }
        }
        if (path == "/token")
        {
            // An anonymous token that grants nothing: protected repositories still answer 401 with it.
            await Json(ctx, 200, """{"token":"anonymous","expires_in":300}""");
            return;
        }
        if (path == "/v2/")
        {
            await Json(ctx, 200, "{}");
            return;
        }
        if (path.StartsWith("/v2/", StringComparison.Ordinal) && path.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            await TagListAsync(ctx, path[4..^"/tags/list".Length]);
            return;
        }
        int manifests = path.LastIndexOf("/manifests/", StringComparison.Ordinal);
        int blobs = path.LastIndexOf("/blobs/", StringComparison.Ordinal);
        int split = Math.Max(manifests, blobs);
        if (!path.StartsWith("/v2/", StringComparison.Ordinal) || split < 0)
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        string repository = path[4..split];
        if (Protected.Contains(repository))
        {
            ctx.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{HostPort}/token\",service=\"fake\",scope=\"repository:{repository}:pull\"";
            await Json(ctx, 401, """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""");
            return;
        }
        if (!Repositories.Contains(repository))
        {
            await Json(ctx, 404, """{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}""");
            return;
        }
        if (manifests > blobs)
        {
            string reference = path[(manifests + "/manifests/".Length)..];
            string key = reference.StartsWith("sha256:", StringComparison.Ordinal) ? $"{repository}@{reference}" : $"{repository}:{reference}";
            if (!_manifests.TryGetValue(key, out var manifest))
            {
                await Json(ctx, 404, """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}""");
                return;
            }
            ctx.Response.ContentType = manifest.MediaType;
            ctx.Response.Headers["Docker-Content-Digest"] = TestImages.Digest(manifest.Body);
            await ctx.Response.Body.WriteAsync(manifest.Body);
            return;
        }
        string digest = path[(blobs + "/blobs/".Length)..];
        if (!_blobs.TryGetValue(digest, out var blob))
        {
            await Json(ctx, 404, """{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}""");
            return;
        }
        ctx.Response.ContentType = "application/octet-stream";
        var (from, count) = RangeOf(ctx, blob.Length);
        if (from > 0 || count < blob.Length)
        {
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{from + count - 1}/{blob.Length}";
        }
        ctx.Response.ContentLength = count;
        await ctx.Response.Body.WriteAsync(blob.AsMemory(from, count));
    }

    /// <summary>Tag lists served at most this many tags a page (with a Link to the next), as large registries do; null: all at once.</summary>
    public int? TagsPageSize { get; set; }

    /// <summary>When set, the Link header sent instead of the real next page (a registry pointing elsewhere).</summary>
    public string? TagsNextLink { get; set; }

    /// <summary>GET /v2/&lt;name&gt;/tags/list with the n and last parameters of the distribution spec.</summary>
    private async Task TagListAsync(HttpContext ctx, string repository)
    {
        if (!Repositories.Contains(repository))
        {
            await Json(ctx, 404, """{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}""");
            return;
        }
        string prefix = repository + ":";
        var tags = _manifests.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..]).Order(StringComparer.Ordinal).ToList();
        string? last = ctx.Request.Query["last"];
        if (last is not null)
        {
            tags = tags.Where(t => string.CompareOrdinal(t, last) > 0).ToList();
        }
        int size = int.TryParse(ctx.Request.Query["n"], out int n) ? n : TagsPageSize ?? int.MaxValue;
        if (tags.Count > size)
        {
            tags = tags.Take(size).ToList();
            ctx.Response.Headers.Link = TagsNextLink ?? $"</v2/{repository}/tags/list?n={size}&last={tags[^1]}>; rel=\"next\"";
        }
        await Json(ctx, 200, System.Text.Json.JsonSerializer.Serialize(new { name = repository, tags }));
    }

    /// <summary>The part of a blob to send: a "bytes=N-" or "bytes=N-M" range when ranges are served, else all of it.</summary>
    private (int Start, int Length) RangeOf(HttpContext ctx, int size)
    {
        var range = ctx.Request.GetTypedHeaders().Range;
        if (!ServesRanges || range is null || range.Ranges.Count != 1 || range.Ranges.First().From is not { } from || from >= size)
        {
            return (0, size);
        }
        long to = range.Ranges.First().To is { } end ? Math.Min(end, size - 1) : size - 1;
        return ((int)from, (int)(to - from + 1));
    }

    private static Task Json(HttpContext ctx, int status, string body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body, Encoding.UTF8);
    }
}
