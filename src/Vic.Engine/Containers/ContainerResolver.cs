using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>
/// Finds a container the way dockerd does: full ID, then exact name (with or without '/'), then a unique ID
/// prefix. The port layer only knows full IDs.
/// </summary>
internal sealed class ContainerResolver(PortLayerServices portLayer, Health.HealthStates health)
{
    private IContainerLifecycle Lifecycle => portLayer.Containers;

    public async Task<ContainerRecord> ResolveAsync(string nameOrId, CancellationToken cancellationToken) =>
        Decode(await FindAsync(nameOrId, cancellationToken));

    private ContainerRecord Decode(ContainerInfo info) => DockerAnnotations.Decode(info) with { Health = health.Snapshot(info.Spec.Id) };

    public async Task<ContainerInfo> FindAsync(string nameOrId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(nameOrId))
            throw new NotFoundException("No such container: " + nameOrId);
        if (ContainerIds.IsFullId(nameOrId))
        {
            try
            {
                return await Lifecycle.InspectAsync(nameOrId, cancellationToken);
            }
            catch (NotFoundException)
            {
                // Could still be a (strange) name; fall through.
            }
        }
        var all = await Lifecycle.ListAsync(cancellationToken);
        string name = nameOrId.TrimStart('/');
        var byName = all.FirstOrDefault(c => c.Spec.Name == name);
        if (byName is not null)
            return byName;
        if (ByLinkName(all, name) is { } linked)
            return linked;
        var byPrefix = all.Where(c => c.Spec.Id.StartsWith(nameOrId, StringComparison.Ordinal)).Take(2).ToList();
        return byPrefix.Count switch
        {
            1 => byPrefix[0],
            0 => throw new NotFoundException("No such container: " + nameOrId),
            _ => throw new InvalidArgumentException("multiple IDs found with provided prefix: " + nameOrId),
        };
    }

    /// <summary>"P/A", the name a legacy link gives the container it leads to (dockerd resolves it like any name).</summary>
    private static ContainerInfo? ByLinkName(IReadOnlyList<ContainerInfo> all, string name)
    {
        if (LegacyLinks.Split(name) is not var (parentName, alias) || all.FirstOrDefault(c => c.Spec.Name == parentName) is not { } parent)
            return null;
        var (target, _) = LegacyLinks.Of(DockerAnnotations.Decode(parent)).FirstOrDefault(l => l.Alias == alias);
        return target is null ? null : all.FirstOrDefault(c => c.Spec.Name == target);
    }

    public async Task<IReadOnlyList<ContainerRecord>> ListAsync(CancellationToken cancellationToken) =>
        (await Lifecycle.ListAsync(cancellationToken)).Select(Decode).ToList();
}
