using System.Collections.Concurrent;
using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

/// <summary>An in-memory volume store for the personality's tests: names only, users are the backend's containers that mount it.</summary>
internal sealed class FakeVolumes(FakeBackend backend) : IVolumeStore
{
    private readonly ConcurrentDictionary<string, VolumeInfo> _volumes = new(StringComparer.Ordinal);

    public IReadOnlyList<VolumeStoreInfo> Stores { get; } = [new VolumeStoreInfo("default", "/fake/volumes")];

    public Task<VolumeInfo> CreateAsync(VolumeCreateSpec spec, CancellationToken cancellationToken)
    {
        string name = string.IsNullOrEmpty(spec.Name) ? Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N") : spec.Name;
        return Task.FromResult(_volumes.GetOrAdd(name, n => new VolumeInfo
        {
            Name = n,
            Store = "default",
            Location = "/fake/volumes/" + n,
            CapacityBytes = 1 << 30,
            AllocatedBytes = 4096,
            Created = DateTimeOffset.UtcNow,
            Labels = spec.Labels,
            Options = spec.Options,
        }));
    }

    public Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken) =>
        _volumes.TryGetValue(name, out var v) ? Task.FromResult(v) : throw new NotFoundException($"get {name}: no such volume");

    public Task<IReadOnlyList<VolumeInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VolumeInfo>>(_volumes.Values.ToList());

    public async Task RemoveAsync(string name, bool force, CancellationToken cancellationToken)
    {
        if (!_volumes.ContainsKey(name))
        {
            if (force)
                return;
            throw new NotFoundException($"get {name}: no such volume");
        }
        var users = await UsersAsync(name, cancellationToken);
        if (users.Count > 0)
            throw new ConflictException($"remove {name}: volume is in use - [{string.Join(", ", users)}]");
        _volumes.TryRemove(name, out _);
    }

    public Task<IReadOnlyList<string>> UsersAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(backend.All
            .Where(c => c.Info.Spec.Mounts.Any(m => m.Kind == MountKind.Volume && m.Source == name)).Select(c => c.Info.Spec.Id).ToList());
}
