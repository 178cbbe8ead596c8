using Vic.PortLayer;
using Vic.PortLayer.Qemu.Storage;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// Starts QEMU processes. Container VMs are daemonized (QEMU forks twice and calls setsid, its stdio goes to
/// /dev/null), so they keep running when the VCH stops (DESIGN rule 2). ApplyLayer VMs run in the foreground:
/// their only purpose is the caller's result.
/// </summary>
internal sealed class QemuLauncher(string qemuBinary, string ipBinary = "ip")
{
    /// <summary>How long QEMU may take to set the VM up before we give up (its parent exits once the VM runs).</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Launches a daemonized VM and returns the pid of its QEMU process. Throws Internal with QEMU's message.</summary>
    public async Task<int> StartDaemonAsync(VmLaunch vm, CancellationToken cancellationToken)
    {
        if (!vm.Daemonize)
            throw new ArgumentException("VM is not set to daemonize", nameof(vm));
        string pidFile = Path.Combine(vm.Directory, DatastoreLayout.PidFile);
        // QEMU does not remove sockets it made with relative paths once it has chdir'd to "/"; clear the last run's.
        foreach (string stale in new[] { pidFile, Path.Combine(vm.Directory, DatastoreLayout.QmpSocketFile), Path.Combine(vm.Directory, DatastoreLayout.ControlSocketFile) })
            File.Delete(stale);

        ToolResult result;
        try
        {
            // A VM with NICs runs inside the VCH's network namespace, where its taps are.
            result = vm.NetworkNamespace is string ns
                ? await ToolRunner.RunAsync(ipBinary, ["netns", "exec", ns, qemuBinary, .. QemuCommand.Build(vm)], StartTimeout, cancellationToken, vm.Directory)
                : await ToolRunner.RunAsync(qemuBinary, QemuCommand.Build(vm), StartTimeout, cancellationToken, vm.Directory);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // The foreground parent was killed; a daemon it may already have forked is ours to end.
            VmProcess.Kill(VmProcess.ReadPidFile(pidFile), vm.Directory);
            if (e is OperationCanceledException)
                throw;
            throw new InternalException($"QEMU did not start the VM within {StartTimeout.TotalSeconds:0} s", e);
        }
        catch (FileNotFoundException e)
        {
            throw new UnavailableException($"cannot run QEMU ({qemuBinary}): {e.Message}", e);
        }

        if (result.ExitCode != 0)
            throw new InternalException($"QEMU failed to start the VM: {FirstLines(result.Message)}");
        int pid = VmProcess.ReadPidFile(pidFile);
        if (pid <= 0)
            throw new InternalException("QEMU started but wrote no pid file");
        return pid;
    }

    /// <summary>Runs a foreground VM to completion; kills it when <paramref name="timeout"/> or the token fires.</summary>
    public async Task<ToolResult> RunAsync(VmLaunch vm, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (vm.Daemonize)
            throw new ArgumentException("VM is set to daemonize", nameof(vm));
        try
        {
            return await ToolRunner.RunAsync(qemuBinary, QemuCommand.Build(vm), timeout, cancellationToken, vm.Directory);
        }
        catch (FileNotFoundException e)
        {
            throw new UnavailableException($"cannot run QEMU ({qemuBinary}): {e.Message}", e);
        }
    }

    internal static string FirstLines(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no message)" : string.Join("; ", lines.Take(5));
    }
}
