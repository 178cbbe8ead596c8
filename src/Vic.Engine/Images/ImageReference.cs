namespace Vic.Engine.Images;

/// <summary>Docker's "familiar" spelling of image references, for messages and matching.</summary>
internal static class ImageReference
{
    /// <summary>"busybox" → "busybox:latest"; digests, IDs and tagged names are left alone; docker.io/library/ is dropped.</summary>
    public static string WithDefaultTag(string reference)
    {
        string r = Familiar(reference);
        if (r.Contains('@') || LooksLikeId(r))
            return r;
        int slash = r.LastIndexOf('/');
        return r.IndexOf(':', slash + 1) >= 0 ? r : r + ":latest";
    }

    public static string Familiar(string reference)
    {
        foreach (var prefix in (string[])["docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"])
        {
            if (reference.StartsWith(prefix, StringComparison.Ordinal))
                return reference[prefix.Length..];
        }
        return reference;
    }

    /// <summary>The repository part of "name:tag" / "name@digest" (a registry port is not a tag).</summary>
    public static string RepositoryOf(string reference)
    {
        int at = reference.IndexOf('@');
        string r = at >= 0 ? reference[..at] : reference;
        int slash = r.LastIndexOf('/');
        int colon = r.IndexOf(':', slash + 1);
        return colon >= 0 ? r[..colon] : r;
    }

    public static bool LooksLikeId(string s)
    {
        string hex = s.StartsWith("sha256:", StringComparison.Ordinal) ? s[7..] : s;
        return hex.Length is >= 12 and <= 64 && hex.All(char.IsAsciiHexDigitLower) && (s.Length != hex.Length || hex.Length == 64);
    }

    /// <summary>Go's path.Match subset Docker uses for reference filters: '*', '?' and [classes], '*' not crossing '/'.</summary>
    public static bool GlobMatch(string pattern, string text) => Glob(pattern.AsSpan(), text.AsSpan());

    private static bool Glob(ReadOnlySpan<char> p, ReadOnlySpan<char> t)
    {
        while (p.Length > 0)
        {
            switch (p[0])
            {
                case '*':
                    var rest = p[1..];
                    for (int i = 0; i <= t.Length; i++)
                    {
                        if (Glob(rest, t[i..]))
                            return true;
                        if (i < t.Length && t[i] == '/')
                            return false;
                    }
                    return false;
                case '?':
                    if (t.Length == 0 || t[0] == '/')
                        return false;
                    break;
                case '[':
                    int close = p.IndexOf(']');
                    if (close < 0 || t.Length == 0)
                        return false;
                    var set = p[1..close];
                    bool negate = set.Length > 0 && set[0] == '^';
                    if (negate)
                        set = set[1..];
                    if (InClass(set, t[0]) == negate)
                        return false;
                    p = p[close..];
                    break;
                default:
                    if (t.Length == 0 || t[0] != p[0])
                        return false;
                    break;
            }
            p = p[1..];
            t = t[1..];
        }
        return t.Length == 0;
    }

    private static bool InClass(ReadOnlySpan<char> set, char c)
    {
        for (int i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-')
            {
                if (c >= set[i] && c <= set[i + 2])
                    return true;
                i += 2;
            }
            else if (set[i] == c)
                return true;
        }
        return false;
    }
}
