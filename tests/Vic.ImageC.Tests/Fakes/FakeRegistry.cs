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

    /// <summary>The next request for the blob sends half of it and drops the connection.</summary>
    public void TruncateNext(string digest) =>
        Enqueue("/blobs/" + digest, 1, async ctx =>
        {
            byte[] blob = _blobs[digest];
            ctx.Response.ContentLength = blob.Length;
            await ctx.Response.Body.WriteAsync(blob.AsMemory(0, blob.Length / 2));
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
        });

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
        ctx.Response.ContentLength = blob.Length;
        await ctx.Response.Body.WriteAsync(blob);
    }

    private static Task Json(HttpContext ctx, int status, string body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body, Encoding.UTF8);
    }
}
