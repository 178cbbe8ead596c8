using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// The container's main process, launched once per run in the container root the tether entered (the root and its
/// writable layer stay as they are between runs, as dockerd keeps a container's layer across restarts). Also the
/// control port's session-0 handler: stdin, signals and resizes reach the current run's process, and nothing while
/// the relaunch loop waits out a back-off.
/// </summary>
internal sealed class MainProcess(ProcessSpec process, string hostname, UserDatabase users, Reaper reaper, LogWriter log) : IRelaunchTarget, IControlHandler
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long killed exec sessions get to report their exits (a host that is not connected never reads them).</summary>
    private static readonly TimeSpan ExecReportTimeout = TimeSpan.FromSeconds(1);

    private volatile ProcessControl? _control;
    private Stdio? _stdio;
    private StdinWriter? _stdin;
    private Task<int>? _exited;

    /// <summary>Called once, after the first launch that worked (the control port starts reading then, so frames the host
    /// sent before the process existed, such as typed-ahead stdin, wait in the port instead of being dropped).</summary>
    public Action? FirstLaunched { get; set; }

    /// <summary>Exec sessions, ended with each run (the container's processes all end with its main one).</summary>
    public ExecSessions? Execs { get; set; }

    public RunStart Launch()
    {
        ResolvedUser? user = users.Resolve(process.User, process.AdditionalGroups, out string? userError);
        if (user is null)
        {
            return Failed(ExecFailure.CannotInvokeCode, userError);
        }
        if (process.Args.Count == 0)
        {
            return Failed(ExecFailure.RuntimeCode, "no command specified");
        }
        List<string> env = ProcessEnvironment.Build(process.Env, hostname, user.Home, process.Tty);
        string workingDir = process.WorkingDir.Length > 0 ? process.WorkingDir : "/";
        WorkingDirectory.Ensure(workingDir, user);
        string? executable = ExecPath.Resolve(process.Args[0], ProcessEnvironment.Get(env, "PATH"), workingDir, out var lookupFailure);
        if (executable is null)
        {
            return Failed(lookupFailure.ExitCode, lookupFailure.Message);
        }

        Stdio stdio = Stdio.Create(process);
        var plan = new LaunchPlan(executable, process.Args, env, workingDir, user, stdio.ChildStdin, stdio.ChildStdout, stdio.ChildStderr, stdio.TerminalPath);
        LaunchResult launch = Launcher.Launch(plan, reaper);
        stdio.CloseChildEnds();
        if (!launch.Started)
        {
            stdio.CloseParentEnds();
            return Failed(launch.FailureExitCode, launch.FailureMessage);
        }
        _stdio = stdio;
        _exited = launch.Exited;
        _stdin = stdio.StdinTarget >= 0 ? new StdinWriter(stdio.StdinTarget, process.Tty) : null;
        _control = new ProcessControl(launch.Pid, _stdin, stdio.TerminalMaster, log);
        if (FirstLaunched is { } first)
        {
            FirstLaunched = null;
            first();
        }
        return new RunStart(launch.Pid, null);
    }

    public int WaitForExit()
    {
        Stdio stdio = _stdio!;
        List<OutputPump> pumps = stdio.StartPumps(log);
        int status = _exited!.GetAwaiter().GetResult();
        _control = null;
        // Background processes and exec sessions die with the main one, as when a container's PID namespace ends;
        // then the pipes reach EOF and the pumps drain what is left.
        Libc.kill(-1, Consts.SIGKILL);
        Execs?.JoinAll(ExecReportTimeout);
        _stdin?.Stop();
        bool drained = true;
        foreach (OutputPump pump in pumps)
        {
            if (!pump.Join(DrainTimeout))
            {
                drained = false;
                log.Tether("output did not drain in time; some output may be missing");
            }
        }
        // A relaunch opens a new terminal; this one's master is closed unless a pump still reads it (its number
        // could otherwise be handed to the next run while the pump reads).
        if (stdio.TerminalMaster >= 0 && drained)
        {
            Libc.close(stdio.TerminalMaster);
        }
        _stdio = null;
        _stdin = null;
        return Reaper.ExitCode(status);
    }

    public void Stdin(byte[] data) => _control?.Stdin(data);

    public void CloseStdin() => _control?.CloseStdin();

    public void Signal(int signal)
    {
        if (_control is { } control)
        {
            control.Signal(signal);
        }
        else
        {
            log.Tether($"signal {signal} for the container's process ignored: it is waiting to be relaunched");
        }
    }

    public void Resize(ushort rows, ushort columns) => _control?.Resize(rows, columns);

    private static RunStart Failed(int code, string? message) => new(0, new ExitReport { ExitCode = code, Error = message });
}
