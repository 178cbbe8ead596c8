using Vic.Tether.Protocol;

namespace Vic.PortLayer.VSphere;

/// <summary>
/// A JSON document in extraConfig keys of the VCH's own, <c>vic.&lt;name&gt;.*</c>: the same chunked, checksummed
/// encoding as the guestinfo documents (<see cref="GuestInfo"/>), without the <c>guestinfo.</c> prefix, so the
/// guest cannot read them through the backdoor and a torn write is refused on reading.
/// </summary>
internal static class ExtraConfigDocument
{
    private const string GuestPrefix = "guestinfo.";

    public static IReadOnlyList<KeyValuePair<string, string>> Encode(string name, ReadOnlySpan<byte> json) =>
        GuestInfo.EncodeDocument(name, json).Select(p => new KeyValuePair<string, string>(p.Key[GuestPrefix.Length..], p.Value)).ToList();

    /// <summary>The document's JSON, or null when its keys are absent (an empty value counts as absent: vSphere removes a key set to "").</summary>
    /// <exception cref="GuestInfoException">The keys are there but torn or corrupt.</exception>
    public static byte[]? Decode(string name, IReadOnlyDictionary<string, string> extraConfig)
    {
        string? Lookup(string key) => extraConfig.TryGetValue(key[GuestPrefix.Length..], out string? v) && v.Length > 0 ? v : null;
        if (Lookup(GuestInfo.Key(name, "chunks")) is null)
            return null;
        return GuestInfo.DecodeDocument(name, Lookup);
    }

    /// <summary>The chunk count recorded for document <paramref name="name"/>, 0 when absent.</summary>
    public static int ChunkCount(string name, IReadOnlyDictionary<string, string> extraConfig) =>
        extraConfig.TryGetValue(GuestInfo.Key(name, "chunks")[GuestPrefix.Length..], out string? v) && int.TryParse(v, out int n) ? n : 0;

    /// <summary>
    /// Chunk keys of document <paramref name="name"/> (guestinfo.vic.* when <paramref name="guest"/>, else vic.*) numbered
    /// from <paramref name="newCount"/> below <paramref name="oldCount"/>: left over by a shorter rewrite, so they are
    /// set to "" (vSphere removes a key set to the empty string; readers treat "" as absent).
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> Stale(string name, bool guest, int oldCount, int newCount)
    {
        for (int n = newCount; n < oldCount; n++)
        {
            string key = GuestInfo.Key(name, n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new(guest ? key : key[GuestPrefix.Length..], "");
        }
    }
}
