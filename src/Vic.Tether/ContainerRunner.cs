using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Mode Container: mount the root disk, enter it, start the process with its user, environment and stdio,
/// relay everything until it ends, then stop every remaining process (the container ends with its main process).
/// </summary>
internal static unsafe class ContainerRunner
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long killed exec sessions get to report their exits (a host that is not connected never reads them).</summary>
    private static readonly TimeSpan ExecReportTimeout = TimeSpan.FromSeconds(1);

    public static ExitReport Run(VmSpec spec, LogWriter log, Reaper reaper, string? controlDevice)
    {
        ProcessSpec process = spec.Process!;
        RootFilesystem.MountRootDisk(spec.RootDevice);
        RootFilesystem.MountContainerFilesystems();
        ContainerMounts.MountAll(spec.Mounts, log.Debug);
        string hostname = spec.Hostname.Length > 0 ? spec.Hostname : spec.Id[..Math.Min(12, spec.Id.Length)];
        RootFilesystem.SetHostname(hostname, spec.Domainname);
        long networkStart = Clock.MonotonicMs();
        NetworkSetup.Configure(spec.Interfaces, spec.SpareNics, log.Debug);
        log.Debug($"network configured ({spec.Interfaces.Count} interfaces) in {Clock.MonotonicMs() - networkStart} ms");
        RootFilesystem.SwitchRoot();
        HostFiles.Write(spec, hostname).ForEach(log.Tether);
        log.Debug("root mounted and entered");

        var users = new UserDatabase(ReadOptional("/etc/passwd"), ReadOptional("/etc/group"));
        ResolvedUser? user = users.Resolve(process.User, process.AdditionalGroups, out string? userError);
        if (user is null)
        {
            return new ExitReport { ExitCode = ExecFailure.CannotInvokeCode, Error = userError };
        }
        if (process.Args.Count == 0)
        {
            return new ExitReport { ExitCode = ExecFailure.RuntimeCode, Error = "no command specified" };
        }
        List<string> env = ProcessEnvironment.Build(process.Env, hostname, user.Home, process.Tty);
        string workingDir = process.WorkingDir.Length > 0 ? process.WorkingDir : "/";
        WorkingDirectory.Ensure(workingDir, user);
        string? executable = ExecPath.Resolve(process.Args[0], ProcessEnvironment.Get(env, "PATH"), workingDir, out var lookupFailure);
        if (executable is null)
        {
            return new ExitReport { ExitCode = lookupFailure.ExitCode, Error = lookupFailure.Message };
        }

        Stdio stdio = Stdio.Create(process);
        var plan = new LaunchPlan(executable, process.Args, env, workingDir, user, stdio.ChildStdin, stdio.ChildStdout, stdio.ChildStderr, stdio.TerminalPath);
        LaunchResult launch = Launcher.Launch(plan, reaper);
        stdio.CloseChildEnds();
        if (!launch.Started)
        {
            stdio.CloseParentEnds();
            return new ExitReport { ExitCode = launch.FailureExitCode, Error = launch.FailureMessage };
        }

        log.Started(launch.Pid);
        List<OutputPump> pumps = stdio.StartPumps(log);
        StdinWriter? stdin = stdio.StdinTarget >= 0 ? new StdinWriter(stdio.StdinTarget, process.Tty) : null;
        ExecSessions? execs = null;
        if (controlDevice is not null)
        {
            var port = new ControlPort(controlDevice, log);
            execs = new ExecSessions(process, hostname, users, reaper, port, log);
            port.Start(new ProcessControl(launch.Pid, stdin, stdio.TerminalMaster, log), execs,
                new Files.FileSessions(new Files.FileRoots("/", Lower: null, Running: true), port, log));
        }

        int status = launch.Exited!.GetAwaiter().GetResult();
        // Background processes and exec sessions die with the main one, as when a container's PID namespace ends;
        // then the pipes reach EOF and the pumps drain what is left.
        Libc.kill(-1, Consts.SIGKILL);
        execs?.JoinAll(ExecReportTimeout);
        foreach (OutputPump pump in pumps)
        {
            if (!pump.Join(DrainTimeout))
            {
                log.Tether("output did not drain in time; some output may be missing");
            }
        }
        return new ExitReport { ExitCode = Reaper.ExitCode(status) };
    }

    private static string? ReadOptional(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
