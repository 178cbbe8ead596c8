using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// vic-machine upgrade on vSphere: uploads the new appliance image and container base beside the ones in use
/// (images/&lt;stamp&gt;), points the appliance at them (its disk, vic-vch's --container-base, the record) and
/// power-cycles it. The images it ran before stay as the rollback copy (<c>upgrade --rollback</c> goes back to
/// them); the copy before that is removed. A failure part-way puts the old disk and configuration back and
/// removes the new upload.
/// </summary>
internal sealed class VchUpgrader(VsphereSession session, TextWriter progress)
{
    public Func<string, Task>? BeforeStep { get; init; }

    public async Task<VsphereVch> UpgradeAsync(FoundVch vch, LocalImages? images, bool toPrevious, bool force, CancellationToken ct)
    {
        var client = session.Client;
        var before = vch.Record;
        var dir = DatastorePath.Parse(before.VchDirectory);
        if (toPrevious && before.PreviousImages is null)
            throw new MachineException($"VCH {before.Name} has no earlier images to roll back to", ExitCodes.Conflict);
        if (!toPrevious && images!.Stamp == before.Images.Stamp && !force)
        {
            progress.WriteLine($"VCH {before.Name} already runs images {before.Images.Stamp}: nothing to upgrade (--force uploads them again)");
            return before;
        }
        var rollback = new Rollback(progress);
        try
        {
            ImageSet target;
            if (toPrevious)
            {
                target = before.PreviousImages!;
                progress.WriteLine($"Rolling VCH {before.Name} back from images {before.Images.Stamp} to {target.Stamp}");
            }
            else
            {
                await Step("images");
                progress.WriteLine($"Upgrading VCH {before.Name} from images {before.Images.Stamp} to {images!.Stamp}");
                var ds = await client.Inventory.GetDatastoreAsync(session.Datacenter, dir.Datastore, ct);
                var uploadDir = dir.Combine($"images/{images.Stamp}");
                bool reused = images.Stamp == before.Images.Stamp || images.Stamp == before.PreviousImages?.Stamp;
                if (!reused)
                    rollback.Add($"remove the new upload {uploadDir}", () => client.Datastores.DeleteAsync(session.Datacenter, uploadDir));
                target = await ImageUploader.UploadAsync(session, ds, dir, images, progress, ct);
            }
            var after = before with { Images = target, PreviousImages = before.Images, Version = target.Version };
            await new ApplianceReconfiguration(session, progress, Step).ApplyAsync(vch, after, (target.ApplianceDisk, before.Images.ApplianceDisk), rollback, ct);

            // Two image sets are kept: the one in use and the rollback copy. Anything older goes.
            if (before.PreviousImages is { } oldest && oldest.Stamp != target.Stamp)
            {
                var oldDir = dir.Combine($"images/{oldest.Stamp}");
                progress.WriteLine($"Removing images {oldest.Stamp} (two upgrades old)");
                try
                {
                    await client.Datastores.DeleteAsync(session.Datacenter, oldDir, ct);
                }
                catch (FileNotFoundFault)
                {
                }
            }
            progress.WriteLine($"VCH {after.Name} now runs images {target.Stamp}; images {before.Images.Stamp} are kept for vic-machine upgrade --rollback");
            return after;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            progress.WriteLine($"Upgrade failed ({e.Message.Split('\n')[0]}); rolling back");
            var left = await rollback.RunAsync();
            if (left.Count > 0)
                throw new MachineException($"upgrade failed: {e.Message}\nand rolling back failed too:\n" + string.Join("\n", left.Select(l => "  - " + l)), ExitCodes.Failure);
            throw new MachineException($"upgrade failed and was rolled back; VCH {before.Name} runs images {before.Images.Stamp} as before. Cause: {e.Message}",
                e is MachineException me ? me.ExitCode : ExitCodes.Failure);
        }

        async Task Step(string name)
        {
            ct.ThrowIfCancellationRequested();
            if (BeforeStep is { } hook)
                await hook(name);
        }
    }
}
