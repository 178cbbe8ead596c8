using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Vic.Tether.Protocol;

/// <summary>
/// A JSON document carried in a VM's guestinfo keys (vSphere extraConfig), readable by the guest through the
/// VMware backdoor with <c>info-get</c>. For a document named <c>spec</c>:
/// <list type="bullet">
/// <item><c>guestinfo.vic.spec.0</c> … <c>.{n-1}</c>: the JSON, deflate-compressed and base64-encoded, cut into
/// chunks of at most <see cref="ChunkLength"/> characters;</item>
/// <item><c>guestinfo.vic.spec.chunks</c>: n;</item>
/// <item><c>guestinfo.vic.spec.sha256</c>: SHA-256 (lowercase hex) of the chunks joined, so a torn or partial set
/// (an old chunk left beside new ones) is refused instead of half-read;</item>
/// <item><c>guestinfo.vic.spec.encoding</c>: <see cref="Encoding"/>, so a later format is refused by name.</item>
/// </list>
/// The reader also refuses a chunk numbered n (left over from a longer earlier document).
/// </summary>
public static class GuestInfo
{
    /// <summary>Every key vic writes starts with this; guestinfo.* is the part of extraConfig a guest may read.</summary>
    public const string Prefix = "guestinfo.vic.";

    /// <summary>
    /// Characters per chunk. The guest reads one key per RPCI round trip and every path a guestinfo value travels
    /// (extraConfig in the VM's .vmx file, vmware-rpctool's command line, the RPCI reply) carries a few KiB without
    /// trouble; 4 KiB stays well below every limit we know of. fw_cfg has no such limit but uses the same keys.
    /// </summary>
    public const int ChunkLength = 4096;

    /// <summary>Upper bound on chunks (16 MiB of base64): beyond that a count is corrupt, not a document.</summary>
    public const int MaxChunks = 4096;

    /// <summary>Upper bound on the decompressed document, against a hostile or corrupt stream.</summary>
    public const int MaxDocumentBytes = 64 * 1024 * 1024;

    public const string Encoding = "deflate+base64";

    /// <summary>The full key of <paramref name="field"/> ("chunks", "sha256", "encoding" or a chunk number) of document <paramref name="name"/>.</summary>
    public static string Key(string name, string field) => $"{Prefix}{name}.{field}";

    /// <summary>The ordered key/value pairs for <paramref name="json"/>: chunks first, then encoding, count and checksum.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> EncodeDocument(string name, ReadOnlySpan<byte> json)
    {
        ValidateName(name);
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(json);
        }
        string text = Convert.ToBase64String(compressed.GetBuffer(), 0, (int)compressed.Length);
        var pairs = new List<KeyValuePair<string, string>>();
        int chunks = Math.Max(1, (text.Length + ChunkLength - 1) / ChunkLength);
        if (chunks > MaxChunks)
        {
            throw new ArgumentException($"document {name} needs {chunks} guestinfo chunks; at most {MaxChunks} are read back", nameof(json));
        }
        for (int i = 0; i < chunks; i++)
        {
            int start = i * ChunkLength;
            pairs.Add(new(Key(name, i.ToString(CultureInfo.InvariantCulture)), text.Substring(start, Math.Min(ChunkLength, text.Length - start))));
        }
        pairs.Add(new(Key(name, "encoding"), Encoding));
        pairs.Add(new(Key(name, "chunks"), chunks.ToString(CultureInfo.InvariantCulture)));
        pairs.Add(new(Key(name, "sha256"), Hex(Sha256.Hash(System.Text.Encoding.UTF8.GetBytes(text)))));
        return pairs;
    }

    /// <summary>
    /// Reads document <paramref name="name"/> back through <paramref name="lookup"/> (key → value, null when the key
    /// is not set), one key at a time as the backdoor reads them. Throws <see cref="GuestInfoException"/> naming the
    /// key that is missing, extra or wrong.
    /// </summary>
    public static byte[] DecodeDocument(string name, Func<string, string?> lookup)
    {
        ValidateName(name);
        string encoding = Require(lookup, Key(name, "encoding"));
        if (encoding != Encoding)
        {
            throw new GuestInfoException($"guestinfo key {Key(name, "encoding")} is \"{encoding}\"; this tether reads \"{Encoding}\"");
        }
        string countText = Require(lookup, Key(name, "chunks"));
        if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > MaxChunks)
        {
            throw new GuestInfoException($"guestinfo key {Key(name, "chunks")} is \"{countText}\", not a chunk count from 1 to {MaxChunks}");
        }
        string expected = Require(lookup, Key(name, "sha256"));
        var text = new StringBuilder(count * ChunkLength);
        for (int i = 0; i < count; i++)
        {
            string key = Key(name, i.ToString(CultureInfo.InvariantCulture));
            string chunk = lookup(key) ?? throw new GuestInfoException($"guestinfo key {key} missing ({count} chunks announced by {Key(name, "chunks")})");
            text.Append(chunk);
        }
        string beyond = Key(name, count.ToString(CultureInfo.InvariantCulture));
        if (lookup(beyond) is not null)
        {
            throw new GuestInfoException($"guestinfo key {beyond} is set but {Key(name, "chunks")} announces {count}: a torn or partial write");
        }
        string joined = text.ToString();
        string actual = Hex(Sha256.Hash(System.Text.Encoding.UTF8.GetBytes(joined)));
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new GuestInfoException($"guestinfo document {name}: the chunks hash to {actual} but {Key(name, "sha256")} is {expected}: a torn, partial or corrupt set");
        }
        return Inflate(name, joined);
    }

    /// <summary><see cref="DecodeDocument(string, Func{string, string?})"/> over a set of pairs (fw_cfg, tests).</summary>
    public static byte[] DecodeDocument(string name, IReadOnlyDictionary<string, string> pairs) =>
        DecodeDocument(name, key => pairs.TryGetValue(key, out string? value) ? value : null);

    private static byte[] Inflate(string name, string text)
    {
        byte[] compressed;
        try
        {
            compressed = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new GuestInfoException($"guestinfo document {name}: the chunks are not base64");
        }
        try
        {
            using var deflate = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var json = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = deflate.Read(buffer)) > 0)
            {
                if (json.Length + n > MaxDocumentBytes)
                {
                    throw new GuestInfoException($"guestinfo document {name} inflates beyond {MaxDocumentBytes} bytes");
                }
                json.Write(buffer, 0, n);
            }
            return json.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new GuestInfoException($"guestinfo document {name}: the deflate stream is corrupt ({e.Message})");
        }
    }

    private static string Require(Func<string, string?> lookup, string key) =>
        lookup(key) ?? throw new GuestInfoException($"guestinfo key {key} missing");

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new ArgumentException($"guestinfo document name \"{name}\" must be ASCII letters, digits and '-'", nameof(name));
        }
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
