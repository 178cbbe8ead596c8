using Vic.Engine.Events;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Volumes;

/// <summary>
/// The backend's volume store with dockerd's volume events: "create" after every successful create (also of a name
/// that already existed, and of the volumes a container create makes or names, as dockerd's volume service logs each
/// create call), "destroy" after a removal. Wrapping the store, rather than each caller, catches every path: the API,
/// container create and its undo, rm -v, prune, AutoRemove.
/// </summary>
internal sealed class EventingVolumeStore(IVolumeStore inner, Func<EventBroker> events) : IVolumeStore
{
    public IReadOnlyList<VolumeStoreInfo> Stores => inner.Stores;

    public async Task<VolumeInfo> CreateAsync(VolumeCreateSpec spec, CancellationToken cancellationToken)
    {
        var volume = await inner.CreateAsync(spec, cancellationToken);
        events().Publish(EventTypes.Volume, "create", volume.Name, new Dictionary<string, string> { ["driver"] = VolumeDrivers.Local });
        return volume;
    }

    public Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken) => inner.InspectAsync(name, cancellationToken);

    public Task<IReadOnlyList<VolumeInfo>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

    /// <summary>A forced removal of a missing volume removed nothing, and logs nothing (as dockerd).</summary>
    public async Task RemoveAsync(string name, bool force, CancellationToken cancellationToken)
    {
        if (force)
        {
            try
            {
                await inner.InspectAsync(name, cancellationToken);
            }
            catch (NotFoundException)
            {
                await inner.RemoveAsync(name, force, cancellationToken);
                return;
            }
        }
        await inner.RemoveAsync(name, force, cancellationToken);
        events().Publish(EventTypes.Volume, "destroy", name, new Dictionary<string, string> { ["driver"] = VolumeDrivers.Local });
    }

    public Task<IReadOnlyList<string>> UsersAsync(string name, CancellationToken cancellationToken) => inner.UsersAsync(name, cancellationToken);
}
