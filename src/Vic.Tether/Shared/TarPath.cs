namespace Vic.Tether;

/// <summary>
/// Lexical cleaning of archive entry names, as layer extraction needs them: relative to the root, no ".",
/// no "..", no empty segments. Pure: shared with the tests.
/// </summary>
internal static class TarPath
{
    /// <summary>
    /// The cleaned relative path ("a/b"), "" for the root itself, or null when the name climbs above the root
    /// ("../x", "a/../../x") or holds a NUL. A leading "/" is dropped: absolute names are taken relative to the root.
    /// </summary>
    public static string? Clean(string name)
    {
        if (name.Contains('\0'))
        {
            return null;
        }
        var segments = new List<string>();
        foreach (string segment in name.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (segments.Count == 0)
                    {
                        return null;
                    }
                    segments.RemoveAt(segments.Count - 1);
                    continue;
                default:
                    segments.Add(segment);
                    continue;
            }
        }
        return string.Join('/', segments);
    }

    /// <summary>Parent of a cleaned path ("" for a top-level entry).</summary>
    public static string Parent(string cleaned)
    {
        int slash = cleaned.LastIndexOf('/');
        return slash < 0 ? "" : cleaned[..slash];
    }

    /// <summary>Last segment of a cleaned path.</summary>
    public static string BaseName(string cleaned) => cleaned[(cleaned.LastIndexOf('/') + 1)..];
}
