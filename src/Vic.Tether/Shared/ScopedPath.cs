namespace Vic.Tether;

/// <summary>
/// Resolves a container path inside a root directory the way dockerd does for docker cp: every symlink met is
/// followed as if the root were "/" (an absolute link restarts at the root, ".." never climbs above it), so no path
/// can name anything outside the root. Pure: the file system is reached only through <c>readLink</c>.
/// </summary>
internal static class ScopedPath
{
    private const int MaxLinks = 255;

    /// <summary>
    /// The resolved path as segments below the root. <paramref name="readLink"/> gets a path relative to the root
    /// ("a/b") and returns the symlink's target, or null when it is not a symlink (or does not exist).
    /// With <paramref name="followLast"/> false the last segment is kept as it is, even when it is a symlink.
    /// </summary>
    public static List<string> Resolve(string path, bool followLast, Func<string, string?> readLink)
    {
        var resolved = new List<string>();
        var pending = new LinkedList<string>(Segments(path));
        int links = 0;
        while (pending.First is { } node)
        {
            string segment = node.Value;
            pending.RemoveFirst();
            if (segment == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }
                continue;
            }
            resolved.Add(segment);
            if (pending.Count == 0 && !followLast)
            {
                break;
            }
            string? target = readLink(string.Join('/', resolved));
            if (target is null)
            {
                continue;
            }
            if (++links > MaxLinks)
            {
                throw new IOException($"too many levels of symbolic links in {path}");
            }
            resolved.RemoveAt(resolved.Count - 1);
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }
            foreach (string part in Segments(target).Reverse())
            {
                pending.AddFirst(part);
            }
        }
        return resolved;
    }

    /// <summary>Path segments without empty ones and ".".</summary>
    public static IEnumerable<string> Segments(string path) =>
        path.Split('/').Where(s => s.Length > 0 && s != ".");

    /// <summary>As dockerd's PreserveTrailingDotOrSeparator: "/a/." and "/a/" keep their meaning after cleaning.</summary>
    public static string CleanKeepingTrailer(string path)
    {
        string cleaned = "/" + string.Join('/', Lexical(path));
        if (path.EndsWith("/.", StringComparison.Ordinal) || path == ".")
        {
            return cleaned == "/" ? "/." : cleaned + "/.";
        }
        if (path.EndsWith('/') && cleaned != "/")
        {
            return cleaned + "/";
        }
        return cleaned;
    }

    /// <summary>Lexical cleaning, as Go's filepath.Clean of an absolute path: ".." at the root stays at the root.</summary>
    public static List<string> Lexical(string path)
    {
        var segments = new List<string>();
        foreach (string segment in Segments(path))
        {
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
                continue;
            }
            segments.Add(segment);
        }
        return segments;
    }
}
