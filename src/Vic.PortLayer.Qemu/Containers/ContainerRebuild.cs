using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// Rebuilds the backend's view from the datastore at startup (DESIGN rule 2): running VMs are re-adopted,
/// VMs that ended while the VCH was down are recorded as exited from their log, litter is swept.
/// </summary>
internal static class ContainerRebuild
{
    public static async Task RunAsync(ContainerRegistry registry, VmRunner runner, ILogger logger, CancellationToken cancellationToken)
    {
        DatastoreLayout layout = registry.Layout;
        DatastoreLayout.SweepLitter(layout.ContainersDir);
        DatastoreLayout.SweepLitter(layout.LayersDir);
        foreach (string dir in Directory.EnumerateDirectories(layout.ContainersDir))
        {
            string id = Path.GetFileName(dir);
            if (id.StartsWith('.'))
                continue;
            if (!File.Exists(Path.Combine(dir, DatastoreLayout.ConfigFile)))
            {
                // Creation publishes a directory with its config.json by rename; one without it is a crash's leftover.
                DatastoreLayout.TryDeleteDirectory(dir);
                Log.HalfCreatedRemoved(logger, dir);
                continue;
            }
            ContainerRecord record;
            try
            {
                record = ContainerRegistry.ReadRecord(dir);
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                Log.UnreadableContainer(logger, dir, e.Message);
                continue;
            }
            if (record.Spec.Id != id)
            {
                Log.UnreadableContainer(logger, dir, $"config.json names container {record.Spec.Id}");
                continue;
            }
            await RestoreAsync(registry, runner, logger, new ContainerEntry(id, dir, record), cancellationToken);
        }
    }

    private static async Task RestoreAsync(ContainerRegistry registry, VmRunner runner, ILogger logger, ContainerEntry entry,
        CancellationToken cancellationToken)
    {
        ContainerRecord record = entry.Record;
        bool wasUp = entry.IsRunning; // running, paused, or restarting inside its VM
        int pid = wasUp ? record.Status.Pid : 0;
        if (!VmProcess.IsAlive(pid, entry.Directory))
        {
            // A VCH that died between launching QEMU and recording it left the pid file as the only trace.
            int fromPidFile = VmProcess.ReadPidFile(Path.Combine(entry.Directory, DatastoreLayout.PidFile));
            pid = VmProcess.IsAlive(fromPidFile, entry.Directory) ? fromPidFile : 0;
        }

        if (pid > 0)
        {
            if (!wasUp || record.Status.Pid != pid)
            {
                var status = new ContainerStatus
                {
                    State = ContainerRunState.Running,
                    Pid = pid,
                    StartedAt = record.Status.StartedAt ?? registry.Time.GetUtcNow(),
                    RestartCount = record.Status.RestartCount,
                };
                await registry.SaveAsync(entry, record with { Status = status }, cancellationToken);
            }
            registry.Add(entry);
            runner.Adopt(entry, pid);
            return;
        }

        if (wasUp)
        {
            ContainerExit exit = await VmRunner.ReadExitAsync(entry.LogPath, record.RunLogOffset, killedByUs: false, cancellationToken);
            // QEMU's last write to the log is the closest thing to the moment it ended.
            DateTimeOffset finished = File.Exists(entry.LogPath) ? File.GetLastWriteTimeUtc(entry.LogPath) : registry.Time.GetUtcNow();
            // Relaunches inside the VM before it ended count (against on-failure's limit too).
            ContainerStatus ran = await VmRunner.CatchUpAsync(entry, cancellationToken);
            await registry.SaveAsync(entry, record with { Status = VmRunner.ExitedStatus(ran, exit, finished) }, cancellationToken);
            Log.ExitedWhileDown(logger, entry.Id, exit.ExitCode);
        }
        registry.Add(entry);
        await runner.ApplyPolicyAtStartupAsync(entry, endedWhileDown: wasUp, cancellationToken);
    }
}
