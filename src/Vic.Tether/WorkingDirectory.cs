using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>Creates a missing working directory (and missing parents) owned by the process's user, as dockerd does.</summary>
internal static class WorkingDirectory
{
    public static void Ensure(string workingDir, ResolvedUser user)
    {
        if (!workingDir.StartsWith('/'))
        {
            throw new TetherException($"the working directory '{workingDir}' is invalid, it needs to be an absolute path");
        }
        var missing = new Stack<string>();
        for (string? dir = workingDir.TrimEnd('/'); !string.IsNullOrEmpty(dir) && !Directory.Exists(dir) && !File.Exists(dir); dir = Path.GetDirectoryName(dir))
        {
            missing.Push(dir);
        }
        while (missing.TryPop(out string? dir))
        {
            try
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TetherException($"cannot create working directory {workingDir}: {e.Message}");
            }
            Libc.lchown(dir, user.Uid, user.Gid);
        }
    }
}
