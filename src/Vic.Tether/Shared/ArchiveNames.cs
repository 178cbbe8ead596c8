namespace Vic.Tether;

/// <summary>
/// How dockerd names the entries of a docker cp archive: the requested path's base name, whatever the last symlink
/// resolved to ("/a/link" archives as "link/..."), and "." for a path ending in "/." (the directory's contents).
/// Pure; shared with the tests.
/// </summary>
internal static class ArchiveNames
{
    /// <summary>
    /// For a requested path: the directory part (resolved later, symlinks followed), the last segment (not followed)
    /// and the name its entries get. "/" and "/." give no last segment: the root's contents are archived as ".".
    /// </summary>
    public static (string Directory, string? Last, string EntryBase) Split(string requested)
    {
        string path = ScopedPath.CleanKeepingTrailer(requested);
        if (path.EndsWith("/.", StringComparison.Ordinal))
        {
            return (path[..^2].Length == 0 ? "/" : path[..^2], null, ".");
        }
        string trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0)
        {
            return ("/", null, ".");
        }
        int slash = trimmed.LastIndexOf('/');
        string name = trimmed[(slash + 1)..];
        return (slash == 0 ? "/" : trimmed[..slash], name, name);
    }

    /// <summary>The stat name dockerd reports: the base of the requested path ("." for "/a/.", "/" for the root).</summary>
    public static string StatName(string requested)
    {
        string path = ScopedPath.CleanKeepingTrailer(requested);
        if (path.EndsWith("/.", StringComparison.Ordinal))
        {
            return ".";
        }
        string trimmed = path.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed[(trimmed.LastIndexOf('/') + 1)..];
    }

    /// <summary>The entry name of <paramref name="relative"/> (a path below the archived item, "" for the item itself).</summary>
    public static string Entry(string entryBase, string relative) =>
        relative.Length == 0 ? entryBase : $"{entryBase}/{relative}";
}
