using System.Diagnostics;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// One virtiofsd per bind mount, started beside QEMU in the VM directory. It serves the host directory on a
/// vhost-user socket that QEMU connects to at start, and exits when QEMU disconnects (the VM ends), so it needs no
/// stopping afterwards and, like QEMU, outlives a VCH restart. Its output goes to fs&lt;n&gt;.log beside the VM.
/// </summary>
internal static class Virtiofsd
{
    private static readonly TimeSpan SocketTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Starts the daemon and waits for its socket. Throws Internal (with its log) when it cannot serve.</summary>
    public static async Task<Process> StartAsync(string binary, string vmDirectory, string socket, string source, CancellationToken cancellationToken)
    {
        string socketPath = Path.Combine(vmDirectory, socket);
        File.Delete(socketPath);
        string log = Path.ChangeExtension(socket, ".log");
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = vmDirectory,
            UseShellExecute = false,
        };
        // sh only redirects the daemon's output to a file and execs it: no pipe to this process that its exit would break.
        foreach (string arg in (string[])["-c", "exec \"$0\" \"$@\" >>\"$LOG\" 2>&1 </dev/null", binary,
            $"--socket-path={socket}", "-o", $"source={source}", "-o", "cache=auto", "-o", "xattr", "-o", "announce_submounts"])
            start.ArgumentList.Add(arg);
        start.Environment["LOG"] = log;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InternalException("cannot start virtiofsd");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UnavailableException($"cannot run {binary}: {e.Message}", e);
        }
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(socketPath))
        {
            if (process.HasExited || deadline.Elapsed > SocketTimeout)
            {
                Stop(process);
                string output = File.Exists(Path.Combine(vmDirectory, log)) ? await File.ReadAllTextAsync(Path.Combine(vmDirectory, log), cancellationToken) : "";
                throw new InternalException($"cannot share {source} with the containerVM: virtiofsd did not start: {QemuLauncher.FirstLines(output)}");
            }
            await Task.Delay(20, cancellationToken);
        }
        return process;
    }

    /// <summary>Where virtiofsd (run as root) keeps the pid file it locks, named after the socket path it was given.</summary>
    public const string PidDirectory = "/run/virtiofsd";

    /// <summary>
    /// Deletes the pid files of a removed container's daemons (its VMs' and its Files VMs'): virtiofsd leaves them behind
    /// when it exits, one per socket name, and the names carry the container's ID, so none would ever be reused.
    /// </summary>
    public static void ForgetPidFiles(string containerId, string directory = PidDirectory)
    {
        if (!Directory.Exists(directory))
            return;
        foreach (string file in Directory.EnumerateFiles(directory, $"fs-{containerId}-*.sock.pid"))
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for whoever may delete it: a stale pid file blocks nothing, as no new daemon reuses the name.
            }
        }
    }

    /// <summary>Ends a daemon whose VM never started (once QEMU is connected, its exit ends the daemon).</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
