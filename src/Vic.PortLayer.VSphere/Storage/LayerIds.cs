namespace Vic.PortLayer.VSphere.Storage;

/// <summary>Layer (chain) IDs "sha256:&lt;64 hex&gt;" and the hex that names their folder on the datastore.</summary>
internal static class LayerIds
{
    public static string ToHex(string layerId)
    {
        string hex = layerId.StartsWith("sha256:", StringComparison.Ordinal) ? layerId["sha256:".Length..] : layerId;
        return IsHex64(hex) ? hex : throw new InvalidArgumentException($"invalid layer ID '{layerId}': expected sha256:<64 hex>");
    }

    public static bool IsHex64(string text) => text.Length == 64 && text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
