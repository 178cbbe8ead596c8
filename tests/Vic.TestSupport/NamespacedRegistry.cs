using System.Diagnostics;
using System.Net;

namespace Vic.TestSupport;

/// <summary>
/// Debian's docker-registry serving another registry's storage from a network namespace this class makes, on
/// 10.237.&lt;n&gt;.2:5000, optionally over TLS: a registry that is NOT on loopback (which a VCH always treats as
/// insecure), so certificate checks, extra CAs and the insecure-registry policy can be tested for real. The namespace
/// is joined to the host by a veth pair whose host end is 10.237.&lt;n&gt;.1/30; nothing else is routed. Images are pushed
/// through the plain loopback registry whose storage this one reads. Dispose removes the process, namespace and link.
/// </summary>
public sealed class NamespacedRegistry : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly string _name = "vicreg-" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _config;
    private Process? _process;

    /// <param name="storageDirectory">The filesystem storage root of the registry whose content this one serves.</param>
    /// <param name="tls">PEM certificate (chain) and key files, or null for plain HTTP.</param>
    /// <param name="beforeStart">Called with the registry's address before it starts (to issue its certificate).</param>
    public NamespacedRegistry(string storageDirectory, (string CertificateFile, string KeyFile)? tls, Action<string>? beforeStart = null)
    {
        // /30 blocks in 10.237.0.0/16 picked at random, so test classes running side by side do not collide.
        int block = Random.Shared.Next(0, 1 << 14) * 4;
        HostAddress = $"10.237.{block >> 8}.{(block & 0xff) + 1}";
        Address = $"10.237.{block >> 8}.{(block & 0xff) + 2}";
        Tls = tls is not null;
        _config = Path.Combine(Path.GetTempPath(), _name + ".yml");
        string tlsSection = tls is { } t ? $"  tls:\n    certificate: {t.CertificateFile}\n    key: {t.KeyFile}\n" : "";
        File.WriteAllText(_config, $"""
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {storageDirectory}
            http:
              addr: {Address}:5000
              secret: {Guid.NewGuid():N}
            {tlsSection}
            """);
        try
        {
            Ip("netns", "add", _name);
            Ip("link", "add", HostLink, "type", "veth", "peer", "name", "eth0", "netns", _name);
            Ip("addr", "add", HostAddress + "/30", "dev", HostLink);
            Ip("link", "set", HostLink, "up");
            Ip("-n", _name, "addr", "add", Address + "/30", "dev", "eth0");
            Ip("-n", _name, "link", "set", "eth0", "up");
            Ip("-n", _name, "link", "set", "lo", "up");
            beforeStart?.Invoke(Address);
            _process = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", _name, TestRegistry.Binary, "serve", _config])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("docker-registry did not start");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            WaitUntilServing();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The registry's address inside its namespace.</summary>
    public string Address { get; }

    /// <summary>The host's end of the link.</summary>
    public string HostAddress { get; }

    public bool Tls { get; }

    /// <summary>"10.237.x.y:5000", the registry part of image references.</summary>
    public string HostPort => $"{Address}:5000";

    private string HostLink => "vr" + _name[^6..];

    public void Dispose()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
        TryIp("link", "del", HostLink);
        TryIp("netns", "del", _name);
        File.Delete(_config);
    }

    private void WaitUntilServing()
    {
        // Only readiness is checked here, so the server's certificate is not: the tests are what check it.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true, UseProxy = false };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var url = new Uri($"{(Tls ? "https" : "http")}://{HostPort}/v2/");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"docker-registry in {_name} exited with {_process.ExitCode}");
            }
            try
            {
                using var response = http.GetAsync(url).GetAwaiter().GetResult();
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"docker-registry did not answer {url} within {StartTimeout}");
    }

    private static void Ip(params string[] args) =>
        ProcessRunner.RunAsync("ip", args, TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult();

    private static void TryIp(params string[] args)
    {
        try
        {
            Ip(args);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
