using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vic.ImageC.Tests.Fakes;

/// <summary>One request the proxy served: what was asked, what it answered, and how many body bytes it sent.</summary>
public sealed class ProxiedRequest(string method, string path, string? range)
{
    private long _bytesSent;

    public string Method { get; } = method;
    public string Path { get; } = path;
    /// <summary>The request's Range header, if any ("bytes=1234-").</summary>
    public string? Range { get; } = range;
    public int Status { get; internal set; }
    /// <summary>The response's Content-Range header, if any.</summary>
    public string? ContentRange { get; internal set; }
    /// <summary>The fault applied to this request, if any ("drop", "truncate", "status", "flip").</summary>
    public string? Fault { get; internal set; }
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    internal void Sent(int count) => Interlocked.Add(ref _bytesSent, count);

    public override string ToString() => $"{Method} {Path} range={Range} -> {Status} {ContentRange} {Fault} {BytesSent}B";
}

/// <summary>
/// A reverse proxy on a free 127.0.0.1 port in front of a real registry (or any HTTP server on loopback), for proving
/// retries, resumption and verification against real registry behaviour. Requests are forwarded unchanged (Host
/// included, so the registry's Location headers name the proxy); faults queued per path suffix (e.g.
/// "/blobs/sha256:…", so per blob digest) apply to the next matching requests, one fault per request, in order:
/// drop the connection after N body bytes, end the body cleanly after N bytes (chunked, so the client sees a short
/// but well-formed answer), answer a status without asking upstream, or flip one byte of the body.
/// </summary>
public sealed class FaultyProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Uri _upstream;
    private readonly HttpClient _client;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ProxiedRequest> _requests = new();

    private FaultyProxy(WebApplication app, Uri upstream)
    {
        _app = app;
        _upstream = upstream;
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
        }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>"127.0.0.1:port", the registry part of image references pulled through the proxy.</summary>
    public string HostPort { get; private set; } = "";

    /// <summary>Every request served, in arrival order.</summary>
    public IReadOnlyList<ProxiedRequest> Requests => _requests.ToList();

    /// <summary>Requests whose path ends with <paramref name="pathSuffix"/> (query excluded).</summary>
    public IReadOnlyList<ProxiedRequest> RequestsFor(string pathSuffix) =>
        _requests.Where(r => r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)).ToList();

    /// <summary>Body bytes sent to clients for requests whose path ends with <paramref name="pathSuffix"/>.</summary>
    public long BytesSentFor(string pathSuffix) => RequestsFor(pathSuffix).Sum(r => r.BytesSent);

    public static async Task<FaultyProxy> StartAsync(Uri upstream)
    {
        if (!upstream.IsLoopback)
        {
            throw new ArgumentException("the proxy forwards to loopback only", nameof(upstream));
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var proxy = new FaultyProxy(app, upstream);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.HostPort = new Uri(address).Authority;
        return proxy;
    }

    /// <summary>The next <paramref name="times"/> matching requests get <paramref name="bytes"/> of their body, then the connection closes.</summary>
    public void DropAfter(string pathSuffix, long bytes, int times = 1) => Enqueue(pathSuffix, times, new Fault("drop", checked((int)bytes), 0));

    /// <summary>The next matching requests get <paramref name="bytes"/> of their body as a complete chunked answer (no Content-Length).</summary>
    public void Truncate(string pathSuffix, long bytes, int times = 1) => Enqueue(pathSuffix, times, new Fault("truncate", bytes, 0));

    /// <summary>The next matching requests are answered <paramref name="status"/> without reaching upstream.</summary>
    public void Fail(string pathSuffix, int status, int times = 1) => Enqueue(pathSuffix, times, new Fault("status", 0, status));

    /// <summary>
    /// The next matching requests get the byte at <paramref name="offset"/> of the resource inverted (the offset counts
    /// from the resource's first byte, so it lands on the same byte in a 206 answer that covers it).
    /// </summary>
    public void FlipByte(string pathSuffix, long offset, int times = 1) => Enqueue(pathSuffix, times, new Fault("flip", offset, 0));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }

    private void Enqueue(string pathSuffix, int times, Fault fault)
    {
        var queue = _faults.GetOrAdd(pathSuffix, _ => new ConcurrentQueue<Fault>());
        for (int i = 0; i < times; i++)
        {
            queue.Enqueue(fault);
        }
    }

    private Fault? TakeFault(string path)
    {
        foreach (var (suffix, queue) in _faults)
        {
            if (path.EndsWith(suffix, StringComparison.Ordinal) && queue.TryDequeue(out var fault))
            {
                return fault;
            }
        }
        return null;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        string path = ctx.Request.Path.Value ?? "/";
        var record = new ProxiedRequest(ctx.Request.Method, path, ctx.Request.Headers.Range.Count > 0 ? ctx.Request.Headers.Range.ToString() : null);
        _requests.Enqueue(record);
        var fault = TakeFault(path);
        record.Fault = fault?.Kind;
        if (fault is { Kind: "status" })
        {
            record.Status = fault.Status;
            ctx.Response.StatusCode = fault.Status;
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), new Uri(_upstream, path + ctx.Request.QueryString));
        if (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(ctx.Request.Body);
        }
        foreach (var (name, values) in ctx.Request.Headers)
        {
            if (IsHopByHop(name) || name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        request.Headers.Host = ctx.Request.Host.Value;

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted);
        record.Status = (int)response.StatusCode;
        record.ContentRange = response.Content.Headers.ContentRange?.ToString();
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => !IsHopByHop(h.Key) && !(fault is { Kind: "truncate" } && h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
            .ToList();
        await using var body = await response.Content.ReadAsStreamAsync(ctx.RequestAborted);
        if (fault is { Kind: "drop" })
        {
            byte[] partial = new byte[fault.Bytes];
            int got = await body.ReadAtLeastAsync(partial, partial.Length, throwOnEndOfStream: false, ctx.RequestAborted);
            record.Sent(got);
            await BrokenConnection.SendThenCloseAsync(
                ctx, (int)response.StatusCode, headers.SelectMany(h => h.Value.Select(v => KeyValuePair.Create(h.Key, v))), partial.AsMemory(0, got));
            return;
        }
        ctx.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in headers)
        {
            ctx.Response.Headers[name] = values.ToArray();
        }
        long position = response.Content.Headers.ContentRange?.From ?? 0; // the resource offset of the next byte sent
        long sent = 0;
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
        {
            int count = fault is { Kind: "truncate" } ? (int)Math.Min(read, fault.Bytes - sent) : read;
            if (fault is { Kind: "flip" } && fault.Bytes >= position && fault.Bytes < position + count)
            {
                buffer[fault.Bytes - position] ^= 0xff;
            }
            await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, count), ctx.RequestAborted);
            record.Sent(count);
            sent += count;
            position += count;
            if (fault is { Kind: "truncate" } && sent >= fault.Bytes)
            {
                break;
            }
        }
    }

    private static bool IsHopByHop(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("TE", StringComparison.OrdinalIgnoreCase) || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase);

    private sealed record Fault(string Kind, long Bytes, int Status);
}
