using Vic.Machine.Tls;

namespace Vic.Machine;

/// <summary>
/// Applies a changed record to an existing VCH: stop the daemon (containers keep running), write the new
/// certificates, env file and record, start the daemon (which re-adopts the containers). If anything fails the
/// old files are put back and the old daemon started again.
/// </summary>
internal static class Reconfiguration
{
    public static async Task ApplyAsync(VchStore store, VchRecord before, VchRecord after, TlsPlan? plan, TimeSpan timeout, TextWriter progress, CancellationToken ct)
    {
        bool wasRunning = DaemonControl.RunningPid(before) is not null;
        var files = VchSetup.FilesWritten(before, store).Concat(VchSetup.FilesWritten(after, store));
        if (after.SystemdUnitFile is string unitFile)
            files = files.Append(unitFile);
        var snapshot = FileSnapshot.Take(files);
        try
        {
            if (wasRunning)
            {
                progress.WriteLine($"Stopping VCH daemon {before.Name} (its containers keep running)");
                await DaemonControl.StopAsync(before, TimeSpan.FromSeconds(15), ct);
            }
            VchSetup.Apply(after, plan, store, progress);
            if (after.SystemdUnitFile is string unit)
                SystemdUnit.Write(after, Path.GetDirectoryName(unit)!);
            if (wasRunning)
                await DaemonControl.StartAsync(after, timeout, progress, ct);
            else
                progress.WriteLine($"VCH {after.Name} is stopped: the changes take effect when it starts");
        }
        catch (Exception e) when (e is MachineException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            progress.WriteLine($"Configuration failed ({FirstLine(e.Message)}); rolling back");
            await DaemonControl.StopAsync(after, TimeSpan.FromSeconds(5), CancellationToken.None);
            snapshot.Restore();
            if (wasRunning)
            {
                try
                {
                    await DaemonControl.StartAsync(before, timeout, progress, CancellationToken.None);
                }
                catch (MachineException again)
                {
                    throw new MachineException($"configure failed: {e.Message}\nand the old configuration did not start again either: {again.Message}", ExitCodes.Failure);
                }
            }
            throw new MachineException($"configure failed and was rolled back; VCH {before.Name} runs as before. Cause: {e.Message}",
                e is MachineException m ? m.ExitCode : ExitCodes.Failure);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0];
}
