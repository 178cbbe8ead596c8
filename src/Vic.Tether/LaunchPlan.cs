namespace Vic.Tether;

/// <summary>
/// Everything the forked child needs, decided in the parent. Stdio is either three fds (pipes or /dev/null)
/// or the path of a pty slave that becomes the process's controlling terminal.
/// </summary>
internal sealed record LaunchPlan(
    string ExecutablePath,
    IReadOnlyList<string> Args,
    IReadOnlyList<string> Env,
    string WorkingDir,
    ResolvedUser User,
    int StdinFd,
    int StdoutFd,
    int StderrFd,
    string? TerminalPath);

/// <summary>A started process (watch <see cref="Exited"/> for its wait status) or why it could not start.</summary>
internal sealed record LaunchResult(int Pid, Task<int>? Exited, int FailureExitCode, string? FailureMessage)
{
    public bool Started => Exited is not null;
}
