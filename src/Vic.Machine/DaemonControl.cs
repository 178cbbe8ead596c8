using System.Diagnostics;

namespace Vic.Machine;

/// <summary>Starts, finds and stops a local VCH daemon. The daemon runs in its own session and process group,
/// so it outlives vic-machine and the shell that ran it; its containerVMs outlive the daemon.</summary>
internal static class DaemonControl
{
    /// <summary>The daemon's PID when its pid file names a live vic-vch process, else null.</summary>
    public static int? RunningPid(VchRecord vch)
    {
        if (!File.Exists(vch.PidFile) || !int.TryParse(File.ReadAllText(vch.PidFile).Trim(), out int pid))
            return null;
        try
        {
            // A stale pid file may name a recycled PID: require that it is our daemon for this VCH.
            string cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains("vic-vch", StringComparison.Ordinal) && cmdline.Contains(vch.SocketPath, StringComparison.Ordinal) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static async Task StartAsync(VchRecord vch, TimeSpan timeout, TextWriter progress, CancellationToken cancellationToken)
    {
        if (RunningPid(vch) is int existing)
        {
            progress.WriteLine($"VCH {vch.Name} is already running (pid {existing})");
            return;
        }
        if (!File.Exists(vch.DaemonPath))
            throw new MachineException($"VCH daemon binary not found at {vch.DaemonPath}; build it with scripts/build.sh", ExitCodes.Failure);

        // setsid puts the daemon in its own session so it outlives vic-machine and the shell that ran it. The
        // child of Process.Start is no process group leader, so setsid needs no fork: the PID watched below is
        // the daemon's own, and an early exit (bad option, unreadable certificate) is reported at once.
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec setsid \"$@\" </dev/null >>\"$LOGFILE\" 2>&1", "sh" },
            UseShellExecute = false,
        };
        foreach (string arg in DaemonCommandLine.For(vch))
            start.ArgumentList.Add(arg);
        start.Environment["LOGFILE"] = vch.LogFile;
        long logStart = File.Exists(vch.LogFile) ? new FileInfo(vch.LogFile).Length : 0;
        progress.WriteLine($"Starting VCH daemon {vch.Name} (log: {vch.LogFile})");
        using var daemon = Process.Start(start) ?? throw new MachineException("could not run setsid", ExitCodes.Failure);

        var began = DateTime.UtcNow;
        var nextReport = began + TimeSpan.FromSeconds(5);
        using var api = new DockerApiClient(vch.SocketPath);
        while (DateTime.UtcNow - began < timeout)
        {
            if (daemon.HasExited)
                throw new MachineException($"VCH daemon {vch.Name} exited during start (exit code {daemon.ExitCode}). Its log says:\n{LogSince(vch, logStart)}", ExitCodes.Failure);
            if (await api.PingAsync(cancellationToken))
            {
                progress.WriteLine($"VCH {vch.Name} is up (pid {daemon.Id}, {(DateTime.UtcNow - began).TotalSeconds:0.0}s)");
                return;
            }
            if (DateTime.UtcNow >= nextReport)
            {
                progress.WriteLine($"  waiting for the Docker API of {vch.Name} ({(DateTime.UtcNow - began).TotalSeconds:0}s of {timeout.TotalSeconds:0}s)");
                nextReport += TimeSpan.FromSeconds(5);
            }
            await Task.Delay(200, cancellationToken);
        }
        // Gave up: the half-started daemon must not linger.
        if (!daemon.HasExited)
            daemon.Kill();
        throw new MachineException($"VCH {vch.Name} did not answer on {vch.SocketPath} within {timeout.TotalSeconds:0}s (--timeout). Its log says:\n{LogSince(vch, logStart)}", ExitCodes.Timeout);
    }

    private static string LogSince(VchRecord vch, long offset)
    {
        if (!File.Exists(vch.LogFile))
            return "(no log)";
        using var stream = File.OpenRead(vch.LogFile);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        var lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(15).ToList();
        return lines.Count == 0 ? "(nothing)" : string.Join('\n', lines);
    }

    /// <summary>Stops the daemon (SIGTERM, then SIGKILL after the grace period). Containers keep running.</summary>
    public static async Task StopAsync(VchRecord vch, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (RunningPid(vch) is not int pid)
            return;
        Signal(pid, 15);
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && RunningPid(vch) is not null)
            await Task.Delay(100, cancellationToken);
        if (RunningPid(vch) is not null)
            Signal(pid, 9);
        File.Delete(vch.PidFile);
    }

    private static void Signal(int pid, int signal)
    {
        if (Native.kill(pid, signal) != 0 && Native.kill(pid, 0) == 0)
            throw new MachineException($"could not signal the VCH daemon (pid {pid})", ExitCodes.Failure);
    }
}
