using System.Text.Json;

namespace Vic.Tether.Protocol;

/// <summary>
/// A <see cref="VmSpec"/> as guestinfo keys (document <see cref="Name"/>: <c>guestinfo.vic.spec.*</c>), the way the
/// vSphere backend stores it in a containerVM's extraConfig and the tether reads it back on VMware.
/// </summary>
public static class GuestInfoSpec
{
    public const string Name = "spec";

    /// <summary>The extraConfig entries for <paramref name="spec"/>, in a stable order (see <see cref="GuestInfo"/>).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Encode(VmSpec spec) =>
        GuestInfo.EncodeDocument(Name, JsonSerializer.SerializeToUtf8Bytes(spec, ProtocolJson.Default.VmSpec));

    /// <summary>The spec's JSON read back key by key; throws <see cref="GuestInfoException"/> on a missing, extra or corrupt key.</summary>
    public static byte[] DecodeJson(Func<string, string?> lookup) => GuestInfo.DecodeDocument(Name, lookup);

    /// <summary>The spec read back from a set of pairs. Throws <see cref="GuestInfoException"/> (keys) or <see cref="JsonException"/> (content).</summary>
    public static VmSpec Decode(IReadOnlyDictionary<string, string> pairs) =>
        JsonSerializer.Deserialize(GuestInfo.DecodeDocument(Name, pairs), ProtocolJson.Default.VmSpec)
        ?? throw new GuestInfoException("guestinfo document spec is JSON null");
}
