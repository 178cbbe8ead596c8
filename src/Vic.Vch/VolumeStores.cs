namespace Vic.Vch;

/// <summary>
/// --volume-store values: "&lt;directory&gt;:&lt;label&gt;" (VIC's form), the label after the last ':'; "shared:" before
/// the directory makes a shared store (volumes several running containers write at once).
/// </summary>
internal static class VolumeStores
{
    public static bool TryParse(IEnumerable<string> values, out Dictionary<string, string> stores, out string? error)
    {
        stores = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        foreach (string value in values)
        {
            int colon = value.LastIndexOf(':');
            string path = colon < 0 ? "" : value[..colon], label = colon < 0 ? "" : value[(colon + 1)..];
            bool shared = path.StartsWith(PortLayer.VolumeStoreInfo.SharedPrefix, StringComparison.Ordinal);
            if (shared)
                path = path[PortLayer.VolumeStoreInfo.SharedPrefix.Length..];
            if (path.Length == 0 || label.Length == 0)
            {
                error = $"--volume-store \"{value}\": expected [shared:]<directory>:<label>, e.g. /srv/volumes:default";
                return false;
            }
            if (!stores.TryAdd(label, (shared ? PortLayer.VolumeStoreInfo.SharedPrefix : "") + Path.GetFullPath(path)))
            {
                error = $"--volume-store: label \"{label}\" is given twice";
                return false;
            }
        }
        return true;
    }
}
