using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Vic.Engine.Http;

namespace Vic.Engine.Hijack;

/// <summary>The head of an HTTP/1.1 request read off a connection before Kestrel sees it.</summary>
internal sealed record RawHttpRequest(string Method, string Path, IQueryCollection Query, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>Requests longer than this are never hijack candidates.</summary>
    public const int MaxHeadLength = 32 * 1024;

    /// <summary>Bodies kept for the hijack's handler (exec start's JSON); longer ones are read off and dropped.</summary>
    public const int MaxKeptBody = 64 * 1024;

    /// <summary>The request's body when it was at most <see cref="MaxKeptBody"/> bytes.</summary>
    public byte[] Body { get; init; } = [];

    public long ContentLength =>
        Headers.TryGetValue("Content-Length", out var v) && long.TryParse(v, out long n) && n > 0 ? n : 0;

    public bool WantsTcpUpgrade =>
        Headers.TryGetValue("Upgrade", out var v) && v.Split(',').Any(p => p.Trim().Equals("tcp", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Finds the end of the head (the first empty line); -1 while incomplete. Lines may end in CRLF or a bare LF:
    /// some clients (Docker.DotNet's unix-socket handler) send LF-only header lines, which HTTP/1.1 parsers tolerate.
    /// </summary>
    public static long FindHeadEnd(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryAdvanceTo((byte)'\n'))
        {
            if (reader.IsNext((byte)'\n', advancePast: true))
                return reader.Consumed;
            if (reader.IsNext("\r\n"u8, advancePast: true))
                return reader.Consumed;
        }
        return -1;
    }

    /// <summary>Parses "METHOD target HTTP/1.x" and headers; null when malformed. The path keeps its API version prefix.</summary>
    public static RawHttpRequest? Parse(ReadOnlySequence<byte> head)
    {
        string text = Encoding.Latin1.GetString(head);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            return null;
        string target = requestLine[1];
        int q = target.IndexOf('?');
        string path = Uri.UnescapeDataString(q < 0 ? target : target[..q]);
        var query = new QueryCollection(QueryHelpers.ParseQuery(q < 0 ? "" : target[q..]));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0)
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return new RawHttpRequest(requestLine[0], path, query, headers);
    }

    /// <summary>The path without its version prefix; null when the version is unsupported (Kestrel then answers the error).</summary>
    public string? UnversionedPath()
    {
        if (!ApiVersion.TrySplitPath(Path, out var version, out var rest))
            return Path;
        try
        {
            ApiVersion.ParseSupported(version);
            return rest;
        }
        catch (Vic.PortLayer.InvalidArgumentException)
        {
            return null;
        }
    }
}
