using System.Collections.Concurrent;
using System.Text.Json;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// docker exec inside the VM: extra processes started in the container's root on the host's request, each with its
/// own stdio relayed over the control port as frames of its session. The process environment starts from the
/// container's (as dockerd gives an exec the container's Config.Env) with the session's entries added on top.
/// An exec that cannot start answers ExecExit with dockerd's exit code and message; one that ran answers
/// ExecStarted, then its output, then ExecExit once its output has drained.
/// </summary>
internal sealed class ExecSessions(ProcessSpec container, string hostname, UserDatabase users, Reaper reaper, ControlPort port, LogWriter log) : IExecHost
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<uint, ProcessControl> _running = new();
    private readonly ConcurrentDictionary<uint, Thread> _waiters = new();

    public IControlHandler? Find(uint session) => _running.TryGetValue(session, out ProcessControl? control) ? control : null;

    public void Start(uint session, byte[] payload)
    {
        if (session == 0 || _running.ContainsKey(session) || _waiters.ContainsKey(session))
        {
            log.Tether($"exec start for session {session} refused: the session number is in use");
            return;
        }
        ProcessSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize(payload, ProtocolJson.Default.ProcessSpec);
        }
        catch (JsonException e)
        {
            spec = null;
            log.Tether($"exec session {session}: unreadable spec: {e.Message}");
        }
        if (spec is null)
        {
            SendExit(session, new ExitReport { ExitCode = ExecFailure.RuntimeCode, Error = "the exec request could not be read" });
            return;
        }
        try
        {
            Launch(session, spec);
        }
        catch (TetherException e)
        {
            SendExit(session, new ExitReport { ExitCode = ExecFailure.RuntimeCode, Error = e.Message });
        }
    }

    /// <summary>When the container ends: gives running sessions a moment to report their (killed) exits.</summary>
    public void JoinAll(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        foreach (Thread waiter in _waiters.Values)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !waiter.Join(left))
            {
                return;
            }
        }
    }

    private void Launch(uint session, ProcessSpec spec)
    {
        // An exec gets the container's --group-add groups too, as dockerd gives them to every process of the container.
        ResolvedUser? user = users.Resolve(spec.User, container.AdditionalGroups, out string? userError);
        if (user is null)
        {
            SendExit(session, new ExitReport { ExitCode = ExecFailure.CannotInvokeCode, Error = userError });
            return;
        }
        if (spec.Args.Count == 0)
        {
            SendExit(session, new ExitReport { ExitCode = ExecFailure.RuntimeCode, Error = "No exec command specified" });
            return;
        }
        List<string> env = ProcessEnvironment.Build([.. container.Env, .. spec.Env], hostname, user.Home, spec.Tty);
        // Unlike the container's own working directory, an exec's is not created: runc fails the chdir instead.
        string workingDir = spec.WorkingDir.Length > 0 ? spec.WorkingDir : "/";
        string? executable = ExecPath.Resolve(spec.Args[0], ProcessEnvironment.Get(env, "PATH"), workingDir, out var lookupFailure);
        if (executable is null)
        {
            SendExit(session, new ExitReport { ExitCode = lookupFailure.ExitCode, Error = lookupFailure.Message });
            return;
        }

        Stdio stdio = Stdio.Create(spec);
        var plan = new LaunchPlan(executable, spec.Args, env, workingDir, user, stdio.ChildStdin, stdio.ChildStdout, stdio.ChildStderr, stdio.TerminalPath);
        LaunchResult launch = Launcher.Launch(plan, reaper);
        stdio.CloseChildEnds();
        if (!launch.Started)
        {
            stdio.CloseParentEnds();
            SendExit(session, new ExitReport { ExitCode = launch.FailureExitCode, Error = launch.FailureMessage });
            return;
        }

        port.Send(ControlFrameKind.ExecStarted, session, JsonSerializer.SerializeToUtf8Bytes(new StartedReport { Pid = launch.Pid }, ProtocolJson.Default.StartedReport));
        List<OutputPump> pumps = stdio.StartPumps(new SessionOutput(port, session));
        StdinWriter? stdin = stdio.StdinTarget >= 0 ? new StdinWriter(stdio.StdinTarget, spec.Tty) : null;
        _running[session] = new ProcessControl(launch.Pid, stdin, stdio.TerminalMaster, log);

        var waiter = new Thread(() => AwaitExit(session, launch.Exited!, pumps, stdin, stdio.TerminalMaster))
        {
            IsBackground = true,
            Name = $"exec-{session}",
        };
        _waiters[session] = waiter;
        waiter.Start();
    }

    private void AwaitExit(uint session, Task<int> exited, List<OutputPump> pumps, StdinWriter? stdin, int terminalMaster)
    {
        int status = exited.GetAwaiter().GetResult();
        _running.TryRemove(session, out _);
        stdin?.Stop();
        // Children the exec left behind keep a pipe open; as with runc, its output ends when the exec's process does
        // (plus a moment for what it wrote last).
        bool drained = true;
        foreach (OutputPump pump in pumps)
        {
            if (!pump.Join(DrainTimeout))
            {
                drained = false;
                log.Tether($"exec session {session}: output did not drain in time; some output may be missing");
            }
        }
        // A pump still reading the terminal keeps its fd: closing it under the pump could hand the number to another session.
        if (terminalMaster >= 0 && drained)
        {
            Libc.close(terminalMaster);
        }
        SendExit(session, new ExitReport { ExitCode = Reaper.ExitCode(status) });
        _waiters.TryRemove(session, out _);
    }

    private void SendExit(uint session, ExitReport report) =>
        port.Send(ControlFrameKind.ExecExit, session, JsonSerializer.SerializeToUtf8Bytes(report, ProtocolJson.Default.ExitReport));

    /// <summary>An exec session's output as control frames of its session.</summary>
    private sealed class SessionOutput(ControlPort port, uint session) : IOutputSink
    {
        public void Write(LogRecordKind kind, ReadOnlySpan<byte> payload) =>
            port.Send(kind == LogRecordKind.Stderr ? ControlFrameKind.ExecStderr : ControlFrameKind.ExecStdout, session, payload);
    }
}
