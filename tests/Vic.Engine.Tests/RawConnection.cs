using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Vic.Engine.Tests;

/// <summary>A client speaking HTTP/1.1 by hand on a unix socket, to test hijacked connections byte for byte.</summary>
internal sealed class RawConnection(Socket socket) : IDisposable
{
    private readonly List<byte> _pending = [];

    public Socket Socket { get; } = socket;

    public static async Task<RawConnection> OpenAsync(EngineServer server) => new(await server.ConnectRawAsync());

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await Socket.SendAsync(bytes);

    /// <summary>The response head (status line and headers), leaving anything after it buffered.</summary>
    public async Task<(string StatusLine, Dictionary<string, string> Headers)> ReadHeadAsync()
    {
        while (true)
        {
            int end = IndexOf(_pending, "\r\n\r\n"u8.ToArray());
            if (end >= 0)
            {
                string head = Encoding.ASCII.GetString(_pending.GetRange(0, end).ToArray());
                _pending.RemoveRange(0, end + 4);
                var lines = head.Split("\r\n");
                var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
                return (lines[0], headers);
            }
            if (!await FillAsync())
                throw new IOException("connection closed before the response head");
        }
    }

    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        while (_pending.Count < count)
        {
            if (!await FillAsync())
                throw new IOException($"connection closed after {_pending.Count} of {count} bytes");
        }
        var bytes = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        return bytes;
    }

    /// <summary>One multiplexed frame, or null at a clean end of stream.</summary>
    public async Task<(int Stream, string Text)?> ReadFrameAsync()
    {
        while (_pending.Count < 8)
        {
            if (!await FillAsync())
                return _pending.Count == 0 ? null : throw new IOException("truncated frame header");
        }
        var header = await ReadExactlyAsync(8);
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        return (header[0], Encoding.UTF8.GetString(await ReadExactlyAsync(length)));
    }

    /// <summary>Everything until the server closes the connection.</summary>
    public async Task<string> ReadToEndAsync()
    {
        while (await FillAsync())
        {
        }
        string text = Encoding.UTF8.GetString(_pending.ToArray());
        _pending.Clear();
        return text;
    }

    private async Task<bool> FillAsync()
    {
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n = await Socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        _pending.AddRange(buffer.AsSpan(0, n));
        return n > 0;
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Count; i++)
        {
            bool match = true;
            for (int j = 0; j < needle.Length && match; j++)
                match = haystack[i + j] == needle[j];
            if (match)
                return i;
        }
        return -1;
    }

    public void Dispose() => Socket.Dispose();
}
