using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vic.TestSupport;

/// <summary>
/// Debian's docker-registry (distribution 2.8) on a free 127.0.0.1 port, storing into a temp directory; plain
/// HTTP, no auth unless an auth section is given (see <see cref="WithHtpasswd"/> and <see cref="WithTokenAuth"/>).
/// Starts in the constructor (usable as an xunit class or collection fixture), stops and deletes everything on Dispose.
/// </summary>
public sealed class TestRegistry : IDisposable
{
    public const string Binary = "/usr/bin/docker-registry";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    public TestRegistry() : this(null)
    {
    }

    /// <param name="auth">Builds the config's auth section (YAML indented by two spaces) from the registry's directory.</param>
    private TestRegistry(Func<string, string>? auth)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("vic-registry-").FullName;
        Port = FreePort();
        string authSection = auth is null ? "" : "auth:\n" + auth(Directory);
        string config = Path.Combine(Directory, "config.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {Path.Combine(Directory, "data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}
              secret: {Guid.NewGuid():N}
            {authSection}
            """);
        var start = new ProcessStartInfo(Binary)
        {
            ArgumentList = { "serve", config },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("docker-registry did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            WaitUntilServing();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Port { get; }

    /// <summary>A registry with htpasswd basic auth for these users (bcrypt hashes made with libcrypt).</summary>
    public static TestRegistry WithHtpasswd(IReadOnlyDictionary<string, string> users) => new(dir =>
    {
        string file = Path.Combine(dir, "htpasswd");
        File.WriteAllLines(file, users.Select(u => $"{u.Key}:{Bcrypt.Hash(u.Value)}"));
        return $"  htpasswd:\n    realm: vic-test\n    path: {file}\n";
    });

    /// <summary>A registry trusting bearer tokens from <paramref name="realm"/>, signed by the certificate in <paramref name="rootCertBundle"/>.</summary>
    public static TestRegistry WithTokenAuth(string realm, string service, string issuer, string rootCertBundle) => new(_ =>
        $"  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    rootcertbundle: {rootCertBundle}\n");

    /// <summary>"127.0.0.1:port", the registry part of image references.</summary>
    public string HostPort => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{HostPort}/");

    /// <summary>The temp directory holding config and storage.</summary>
    public string Directory { get; }

    /// <summary>What the registry logged (warnings and errors), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Pushes a test image here as repository:tag.</summary>
    public Task PushAsync(OciImage image, string repository, string tag = "latest", CancellationToken cancellationToken = default) =>
        TestImages.PushAsync(image, HostPort, repository, tag, cancellationToken);

    public void Dispose()
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
            // Never started or already reaped.
        }
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void WaitUntilServing()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {Log}");
            }
            try
            {
                using var response = http.GetAsync(new Uri(BaseUri, "v2/")).GetAwaiter().GetResult();
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
        throw new TimeoutException($"docker-registry did not answer /v2/ on {HostPort} within {StartTimeout}: {Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
