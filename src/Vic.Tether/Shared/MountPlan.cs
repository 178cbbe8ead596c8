namespace Vic.Tether;

/// <summary>
/// Checks of the spec's mount list before anything is mounted, and the translation of flag names to mount(2)
/// flags. Pure: shared with the tests.
/// </summary>
internal static class MountPlan
{
    public const ulong NoSuid = 2, NoDev = 4, NoExec = 8;

    /// <summary>The target cleaned to "a/b" (relative to the container root), or null with the reason when it is
    /// not an absolute path below the root.</summary>
    public static string? CleanTarget(string target, out string? error)
    {
        error = null;
        if (!target.StartsWith('/'))
        {
            error = $"mount target \"{target}\" is not an absolute path";
            return null;
        }
        string? clean = TarPath.Clean(target);
        if (clean is null || clean.Length == 0)
        {
            error = $"mount target \"{target}\" is not below the container root";
            return null;
        }
        return clean;
    }

    /// <summary>mount(2) flags for names such as "nosuid"; "exec", "suid", "dev" clear what a default set.</summary>
    public static ulong Flags(IEnumerable<string> names, ulong defaults)
    {
        ulong flags = defaults;
        foreach (string name in names)
        {
            switch (name)
            {
                case "nosuid": flags |= NoSuid; break;
                case "suid": flags &= ~NoSuid; break;
                case "nodev": flags |= NoDev; break;
                case "dev": flags &= ~NoDev; break;
                case "noexec": flags |= NoExec; break;
                case "exec": flags &= ~NoExec; break;
            }
        }
        return flags;
    }

    /// <summary>True when a directory listing holds nothing but mkfs's empty lost+found (a never-used volume).</summary>
    public static bool LooksFresh(IReadOnlyCollection<string> names) =>
        names.Count == 0 || (names.Count == 1 && names.Contains("lost+found"));
}
