using Vic.Machine.Tls;

namespace Vic.Machine;

/// <summary>
/// Applies a changed record to an existing VCH (configure, debug, upgrade): prepare what takes time while the old
/// daemon still serves, stop the daemon (containers keep running), write the new certificates, env file, record and
/// unit, start the daemon (which re-adopts the containers). If anything fails the old files are put back and the old
/// daemon started again.
/// </summary>
internal static class Reconfiguration
{
    public static async Task ApplyAsync(VchStore store, VchRecord before, VchRecord after, TlsPlan? plan, TimeSpan timeout, TextWriter progress,
        CancellationToken ct, ChangeSteps? steps = null)
    {
        steps ??= new ChangeSteps();
        bool wasRunning = DaemonControl.RunningPid(before) is not null;
        var files = VchSetup.FilesWritten(before, store).Concat(VchSetup.FilesWritten(after, store)).Concat(steps.Files);
        if (after.SystemdUnitFile is string unitFile)
            files = files.Append(unitFile);
        var snapshot = FileSnapshot.Take(files);
        bool stopped = false;
        try
        {
            steps.Prepare?.Invoke(progress);
            if (wasRunning)
            {
                progress.WriteLine($"Stopping VCH daemon {before.Name} (its containers keep running)");
                stopped = true;
                await DaemonControl.StopAsync(before, TimeSpan.FromSeconds(15), ct);
            }
            steps.Write?.Invoke(progress);
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
            progress.WriteLine($"{Capitalized(steps.Verb)} failed ({FirstLine(e.Message)}); rolling back");
            // Only a daemon this change stopped is touched: before that, the old one still serves.
            if (stopped)
                await DaemonControl.StopAsync(after, TimeSpan.FromSeconds(5), CancellationToken.None);
            snapshot.Restore();
            steps.Undo?.Invoke();
            if (stopped)
            {
                try
                {
                    await DaemonControl.StartAsync(before, timeout, progress, CancellationToken.None);
                }
                catch (MachineException again)
                {
                    throw new MachineException($"{steps.Verb} failed: {e.Message}\nand the old configuration did not start again either: {again.Message}", ExitCodes.Failure);
                }
            }
            throw new MachineException($"{steps.Verb} failed and was rolled back; VCH {before.Name} runs as before. Cause: {e.Message}",
                e is MachineException m ? m.ExitCode : ExitCodes.Failure);
        }
        try
        {
            steps.Cleanup?.Invoke(progress);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The change is done and serving; what is left over is only disk space.
            progress.WriteLine($"WARNING: could not remove files the VCH no longer uses: {e.Message}");
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0];

    private static string Capitalized(string verb) => char.ToUpperInvariant(verb[0]) + verb[1..];
}

/// <summary>What a change does beyond the record, env file, certificates and unit that <see cref="Reconfiguration"/> always writes.</summary>
internal sealed record ChangeSteps
{
    /// <summary>"configure", "upgrade" or "rollback": names the change in progress lines and errors.</summary>
    public string Verb { get; init; } = "configure";

    /// <summary>Further files the change writes: snapshotted first and put back on failure.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Work that takes time (copying a release), done while the old daemon still serves.</summary>
    public Action<TextWriter>? Prepare { get; init; }

    /// <summary>Writes done once the daemon is stopped (registry CA copies, a vicadmin token), among <see cref="Files"/>.</summary>
    public Action<TextWriter>? Write { get; init; }

    /// <summary>Undoes what <see cref="Prepare"/> made that the snapshot does not cover.</summary>
    public Action? Undo { get; init; }

    /// <summary>Once the new daemon serves: removes what is no longer used (old CA copies, a release two upgrades old).</summary>
    public Action<TextWriter>? Cleanup { get; init; }
}
