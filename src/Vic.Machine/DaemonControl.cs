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

        string[] daemonArgs =
        [
            vch.DaemonPath, "--name", vch.Name, "--datastore", vch.DatastorePath, "--socket", vch.SocketPath,
            "--container-base", vch.ContainerBasePath, "--pid-file", vch.PidFile, "--accelerator", vch.Accelerator,
        ];
        // setsid -f detaches the daemon into its own session; the shell only wires its output to the log file.
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec setsid -f \"$@\" </dev/null >>\"$LOGFILE\" 2>&1", "sh" },
            UseShellExecute = false,
        };
        foreach (string arg in daemonArgs.Concat(RegistryArgs(vch)))
            start.ArgumentList.Add(arg);
        start.Environment["LOGFILE"] = vch.LogFile;
        progress.WriteLine($"Starting VCH daemon {vch.Name} (log: {vch.LogFile})");
        using (var launcher = Process.Start(start) ?? throw new MachineException("could not run setsid", ExitCodes.Failure))
            await launcher.WaitForExitAsync(cancellationToken);

        var deadline = DateTime.UtcNow + timeout;
        using var api = new DockerApiClient(vch.SocketPath);
        while (DateTime.UtcNow < deadline)
        {
            if (await api.PingAsync(cancellationToken))
            {
                progress.WriteLine($"VCH {vch.Name} is up (pid {RunningPid(vch)})");
                return;
            }
            await Task.Delay(200, cancellationToken);
        }
        string tail = File.Exists(vch.LogFile) ? string.Join('\n', File.ReadLines(vch.LogFile).TakeLast(15)) : "(no log)";
        throw new MachineException($"VCH {vch.Name} did not answer on {vch.SocketPath} within {timeout.TotalSeconds:0}s. Last log lines:\n{tail}", ExitCodes.Timeout);
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

    private static IEnumerable<string> RegistryArgs(VchRecord vch) =>
        vch.InsecureRegistries.SelectMany(r => new[] { "--insecure-registry", r })
            .Concat(vch.RegistryCaFiles.SelectMany(f => new[] { "--registry-ca", f }))
            .Concat(vch.WhitelistRegistries.SelectMany(r => new[] { "--whitelist-registry", r }))
            .Concat(vch.RegistryMirrors.SelectMany(m => new[] { "--registry-mirror", m }));

    private static void Signal(int pid, int signal)
    {
        if (Native.kill(pid, signal) != 0 && Native.kill(pid, 0) == 0)
            throw new MachineException($"could not signal the VCH daemon (pid {pid})", ExitCodes.Failure);
    }
}
