namespace Vic.PortLayer;

/// <summary>An extra process to run inside a running container (docker exec).</summary>
public sealed record ExecSpec
{
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>"KEY=value" entries added to (and overriding) the container's environment.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>Absolute path; empty means "/". Not created when missing (the start fails, as with runc).</summary>
    public string WorkingDir { get; init; } = "";

    /// <summary>As <see cref="ProcessConfig.User"/>; empty means root. The caller passes the container's user for a default.</summary>
    public string User { get; init; } = "";

    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public ushort Rows { get; init; }
    public ushort Columns { get; init; }
}

/// <summary>Runs extra processes in running containers.</summary>
public interface IContainerExec
{
    /// <summary>
    /// Starts <paramref name="spec"/> in the running container and returns once the guest has answered: the session
    /// then either runs (<see cref="IExecSession.Pid"/> set) or has already ended with the reason it could not start
    /// (126/127 and the message in <see cref="ContainerExit.Error"/>). Throws NotFound, or Conflict when the container
    /// is not running.
    /// </summary>
    Task<IExecSession> StartAsync(string containerId, ExecSpec spec, CancellationToken cancellationToken);
}

/// <summary>
/// One exec process. Its output is buffered only up to a bound: a reader that stops reading holds the process back,
/// so a session nobody reads must be drained or disposed (disposing discards further output; the process runs on).
/// </summary>
public interface IExecSession : IAsyncDisposable
{
    /// <summary>The process's ID inside the VM; 0 when it could not start.</summary>
    int Pid { get; }

    /// <summary>The session's output in order, ending when the process has ended and its output drained.
    /// With a TTY everything is Stdout. Read by one reader.</summary>
    IAsyncEnumerable<OutputChunk> ReadOutputAsync(CancellationToken cancellationToken);

    /// <summary>Completes when the process ends: its exit code (128+signal when killed, 137 when the container stopped under it).</summary>
    Task<ContainerExit> Exited { get; }

    /// <summary>Throws Conflict when the session has ended or has no open stdin.</summary>
    Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    Task CloseStdinAsync(CancellationToken cancellationToken);

    Task ResizeAsync(ushort rows, ushort columns, CancellationToken cancellationToken);

    /// <summary>Delivers <paramref name="signal"/> to the session's process (a health probe past its timeout is
    /// killed this way). Does nothing once the session has ended.</summary>
    Task SignalAsync(int signal, CancellationToken cancellationToken);
}
