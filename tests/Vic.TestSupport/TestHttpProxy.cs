using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vic.TestSupport;

/// <summary>
/// A forward proxy on a free 127.0.0.1 port, for proving that traffic goes through a configured proxy: CONNECT
/// tunnels (HTTPS) and absolute-form requests (plain HTTP; the upstream is the first request's host, and the rest of
/// the connection is relayed as is — Go's HTTP server, which docker-registry is, accepts absolute-form requests).
/// Optionally requires Basic credentials (407 otherwise). Records the targets it was asked for.
/// </summary>
public sealed class TestHttpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _targets = [];
    private readonly string? _credentials;

    /// <param name="user">With <paramref name="password"/>: the Proxy-Authorization the proxy requires.</param>
    public TestHttpProxy(string? user = null, string? password = null)
    {
        _credentials = user is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>"CONNECT host:port" or "GET host:port" per connection served, in order.</summary>
    public IReadOnlyList<string> Targets
    {
        get
        {
            lock (_targets)
            {
                return _targets.ToList();
            }
        }
    }

    /// <summary>Requests refused for missing or wrong credentials.</summary>
    public int Refused { get; private set; }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            byte[] head = await ReadHeadAsync(stream);
            string text = Encoding.ASCII.GetString(head);
            string[] lines = text.Split("\r\n");
            string[] request = lines[0].Split(' ');
            if (_credentials is not null && !lines.Any(l => l.Equals("Proxy-Authorization: Basic " + _credentials, StringComparison.OrdinalIgnoreCase)))
            {
                Refused++;
                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                return;
            }
            bool connect = request[0] == "CONNECT";
            string target = connect ? request[1] : new Uri(request[1]).Authority;
            lock (_targets)
            {
                _targets.Add($"{request[0]} {target}");
            }
            int colon = target.LastIndexOf(':');
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(target[..colon], int.Parse(target[(colon + 1)..]), _stop.Token);
            var up = upstream.GetStream();
            if (connect)
                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection established\r\n\r\n"));
            else
                await up.WriteAsync(head);
            await Task.WhenAny(stream.CopyToAsync(up, _stop.Token), up.CopyToAsync(stream, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or UriFormatException or IndexOutOfRangeException)
        {
            // The client or upstream went away, or sent something no proxy would serve: drop the connection.
        }
    }

    /// <summary>The request line and headers, up to and including the blank line.</summary>
    private static async Task<byte[]> ReadHeadAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 65536)
        {
            if (await stream.ReadAsync(one) == 0)
                throw new IOException("closed before the request head ended");
            head.Add(one[0]);
            int n = head.Count;
            if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
                return [.. head];
        }
        throw new IOException("request head too long");
    }
}
