namespace Vic.Tether;

/// <summary>
/// Maps a failed launch to the exit code and message docker users know: 127 when the executable does not exist,
/// 126 when it cannot be run (permission denied, a directory, a bad format), 125 when the runtime failed before
/// the exec (chdir, credentials). Pure: shared with the tests.
/// </summary>
internal static class ExecFailure
{
    /// <summary>Where in the child the launch failed; written to the parent with the errno.</summary>
    public enum Stage
    {
        Exec = 1,
        Credentials = 2,
        WorkingDir = 3,
        Terminal = 4,
        Stdio = 5,
    }

    public const int NotFoundCode = 127;
    public const int CannotInvokeCode = 126;
    public const int RuntimeCode = 125;

    public static (int ExitCode, string Message) FromErrno(Stage stage, int errno, string errnoText, string executable, string workingDir) => stage switch
    {
        Stage.Exec when errno is 2 /* ENOENT */ or 20 /* ENOTDIR */ =>
            (NotFoundCode, $"exec: \"{executable}\": stat {executable}: {errnoText}"),
        Stage.Exec when errno is 13 /* EACCES */ or 1 /* EPERM */ =>
            (CannotInvokeCode, $"exec: \"{executable}\": permission denied"),
        Stage.Exec when errno is 21 /* EISDIR */ =>
            (CannotInvokeCode, $"exec: \"{executable}\": is a directory"),
        Stage.Exec => (CannotInvokeCode, $"exec: \"{executable}\": {errnoText}"),
        Stage.WorkingDir => (RuntimeCode, $"chdir to cwd (\"{workingDir}\") set in config.json failed: {errnoText}"),
        Stage.Credentials => (RuntimeCode, $"cannot set user and groups: {errnoText}"),
        _ => (RuntimeCode, $"cannot set up the process's stdio: {errnoText}"),
    };

    public static (int ExitCode, string Message) NotInPath(string executable) =>
        (NotFoundCode, $"exec: \"{executable}\": executable file not found in $PATH");
}
