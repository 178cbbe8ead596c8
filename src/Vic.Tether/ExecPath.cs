namespace Vic.Tether;

/// <summary>Finds the executable for argv[0] inside the container root, as runc does before exec.</summary>
internal static class ExecPath
{
    /// <summary>
    /// The path to pass to execve, or null with a docker-style failure. A name with a '/' is used as given
    /// (relative to the working directory; execve reports whether it exists). A bare name is searched in PATH;
    /// files that are not executable are skipped, as Go's LookPath skips them.
    /// </summary>
    public static string? Resolve(string name, string? pathVariable, string workingDir, out (int ExitCode, string Message) failure)
    {
        failure = default;
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return name;
        }
        if (name.Length > 0)
        {
            foreach (string entry in (pathVariable ?? ProcessEnvironment.DefaultPath).Split(':'))
            {
                string dir = entry.Length == 0 ? "." : entry;
                string candidate = dir.EndsWith('/') ? dir + name : $"{dir}/{name}";
                string onDisk = candidate.StartsWith('/') ? candidate : Path.Combine(workingDir, candidate);
                if (IsExecutableFile(onDisk))
                {
                    return candidate;
                }
            }
        }
        failure = ExecFailure.NotInPath(name);
        return null;
    }

    private static bool IsExecutableFile(string path)
    {
        try
        {
            if (!File.Exists(path) || Directory.Exists(path))
            {
                return false;
            }
            const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return (File.GetUnixFileMode(path) & AnyExecute) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
