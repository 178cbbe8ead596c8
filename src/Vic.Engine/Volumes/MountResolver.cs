using Vic.Engine.Containers;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Volumes;

/// <summary>
/// Turns a create request's mounts into the container's port-layer mounts, as dockerd does at create: explicit
/// mounts (-v, --mount, --tmpfs), then --volumes-from, then a fresh anonymous volume for every declared volume
/// (image VOLUME and -v /path) nothing else covers. Named volumes that do not exist are created.
/// </summary>
internal sealed class MountResolver(PortLayerServices portLayer, ContainerResolver containers)
{
    private IVolumeStore Volumes => portLayer.Volumes;

    /// <summary>The mounts, and the volumes made for them (to remove again when the create fails).</summary>
    public async Task<(List<MountSpec> Mounts, List<string> Created)> ResolveAsync(ContainerConfig config, HostConfig hostConfig, CancellationToken cancellationToken)
    {
        var requested = new List<RequestedMount>();
        requested.AddRange((hostConfig.Binds ?? []).Select(MountParser.ParseBind));
        requested.AddRange(MountParser.ParseMounts(hostConfig.Mounts));
        requested.AddRange((hostConfig.Tmpfs ?? []).Select(t => MountParser.ParseTmpfs(t.Key, t.Value)));
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in requested)
        {
            if (!targets.Add(r.Mount.Target))
                throw new InvalidArgumentException($"Duplicate mount point: {r.Mount.Target}");
        }
        foreach (string from in hostConfig.VolumesFrom ?? [])
            requested.AddRange(await VolumesFromAsync(from, targets, cancellationToken));
        foreach (string declared in (config.Volumes ?? []).Keys)
        {
            string target = declared.Length > 1 ? declared.TrimEnd('/') : declared;
            if (targets.Add(target))
                requested.Add(MountParser.ParseBind(target));
        }

        var created = new List<string>();
        var mounts = new List<MountSpec>();
        try
        {
            foreach (var r in requested)
                mounts.Add(await EnsureVolumeAsync(r, hostConfig.VolumeDriver, created, cancellationToken));
        }
        catch
        {
            await RemoveQuietlyAsync(created);
            throw;
        }
        return (mounts, created);
    }

    public async Task RemoveQuietlyAsync(IEnumerable<string> names)
    {
        foreach (string name in names)
        {
            try
            {
                await Volumes.RemoveAsync(name, force: true, CancellationToken.None);
            }
            catch (PortLayerException)
            {
                // Left for docker volume prune.
            }
        }
    }

    /// <summary>The volume a mount names, created when missing. HostConfig.VolumeDriver is the driver of the volumes made
    /// here, so it is looked up only when one is (dockerd accepts any name on a container that makes none).</summary>
    private async Task<MountSpec> EnsureVolumeAsync(RequestedMount r, string volumeDriver, List<string> created, CancellationToken cancellationToken)
    {
        if (r.Mount.Kind != MountKind.Volume)
            return r.Mount;
        if (r.Anonymous)
        {
            VolumeDrivers.Check("", volumeDriver);
            var labels = new Dictionary<string, string>(r.VolumeLabels ?? new Dictionary<string, string>()) { [VolumeDrivers.AnonymousLabel] = "" };
            var volume = await Volumes.CreateAsync(new VolumeCreateSpec { Labels = labels, Options = r.VolumeOptions ?? new Dictionary<string, string>() }, cancellationToken);
            created.Add(volume.Name);
            return r.Mount with { Source = volume.Name };
        }
        try
        {
            await Volumes.InspectAsync(r.Mount.Source, cancellationToken);
            // dockerd asks its volume service to create every named volume a container mounts, which answers an
            // existing one unchanged and logs a volume "create" each time; the store does the same for an existing name.
            await Volumes.CreateAsync(new VolumeCreateSpec { Name = r.Mount.Source }, cancellationToken);
        }
        catch (NotFoundException)
        {
            VolumeDrivers.Check(r.Mount.Source, volumeDriver);
            await Volumes.CreateAsync(new VolumeCreateSpec
            {
                Name = r.Mount.Source,
                Labels = r.VolumeLabels ?? new Dictionary<string, string>(),
                Options = r.VolumeOptions ?? new Dictionary<string, string>(),
            }, cancellationToken);
            created.Add(r.Mount.Source);
        }
        return r.Mount;
    }

    /// <summary>"container[:ro|:rw]": that container's volumes and bind mounts, at the same targets, mode overridden when given.</summary>
    private async Task<List<RequestedMount>> VolumesFromAsync(string from, HashSet<string> targets, CancellationToken cancellationToken)
    {
        string[] parts = from.Split(':');
        if (parts.Length > 2 || parts[0].Length == 0)
            throw new InvalidArgumentException($"invalid volumes-from specification: '{from}'");
        bool? readOnly = parts.Length == 2
            ? parts[1] switch { "ro" => true, "rw" => false, _ => throw new InvalidArgumentException($"invalid mode: {parts[1]}") }
            : null;
        var source = await containers.FindAsync(parts[0], cancellationToken);
        var result = new List<RequestedMount>();
        foreach (MountSpec m in source.Spec.Mounts)
        {
            if (m.Kind == MountKind.Tmpfs || !targets.Add(m.Target))
                continue;
            result.Add(new RequestedMount(m with { ReadOnly = readOnly ?? m.ReadOnly, CreateMissingSource = false }));
        }
        return result;
    }
}
