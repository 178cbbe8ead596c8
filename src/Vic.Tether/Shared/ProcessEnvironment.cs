namespace Vic.Tether;

/// <summary>
/// The environment the container process gets: the spec's entries plus the defaults dockerd and runc add when
/// they are absent (PATH, HOSTNAME, HOME, TERM for a terminal). Pure: shared with the tests.
/// </summary>
internal static class ProcessEnvironment
{
    /// <summary>dockerd's default PATH for Linux containers.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static List<string> Build(IReadOnlyList<string> specEnv, string hostname, string home, bool tty)
    {
        var env = new List<string>(specEnv.Count + 4);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Later entries win, as with `docker run -e A=1 -e A=2`.
        for (int i = specEnv.Count - 1; i >= 0; i--)
        {
            string entry = specEnv[i];
            string key = Key(entry);
            if (key.Length > 0 && seen.Add(key))
            {
                env.Insert(0, entry.Contains('=', StringComparison.Ordinal) ? entry : entry + "=");
            }
        }
        void Default(string key, string value)
        {
            if (seen.Add(key))
            {
                env.Add($"{key}={value}");
            }
        }
        Default("PATH", DefaultPath);
        Default("HOSTNAME", hostname);
        if (tty)
        {
            Default("TERM", "xterm");
        }
        Default("HOME", home);
        return env;
    }

    /// <summary>The value of <paramref name="key"/> in a built environment, or null.</summary>
    public static string? Get(IReadOnlyList<string> env, string key)
    {
        foreach (string entry in env)
        {
            if (Key(entry) == key)
            {
                return entry[(key.Length + 1)..];
            }
        }
        return null;
    }

    private static string Key(string entry)
    {
        int eq = entry.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? entry : entry[..eq];
    }
}
