namespace Vic.PortLayer.Qemu.Storage;

/// <summary>Layer (chain) IDs are "sha256:" plus 64 lowercase hex; the hex names the layer's directory.</summary>
internal static class LayerIds
{
    private const string Prefix = "sha256:";

    /// <summary>The directory name of <paramref name="layerId"/>; throws InvalidArgument for anything else.</summary>
    public static string ToHex(string layerId)
    {
        if (layerId.Length != Prefix.Length + 64 || !layerId.StartsWith(Prefix, StringComparison.Ordinal)
            || !IsHex64(layerId.AsSpan(Prefix.Length)))
            throw new InvalidArgumentException($"invalid layer ID '{layerId}': expected sha256:<64 lowercase hex>");
        return layerId[Prefix.Length..];
    }

    public static bool IsHex64(ReadOnlySpan<char> text)
    {
        if (text.Length != 64)
            return false;
        foreach (char c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
                return false;
        }
        return true;
    }
}
