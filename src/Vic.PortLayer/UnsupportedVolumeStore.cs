namespace Vic.PortLayer;

/// <summary>The volume store of a backend that has none: every call is refused as not supported.</summary>
public sealed class UnsupportedVolumeStore : IVolumeStore
{
    public static readonly UnsupportedVolumeStore Instance = new();

    private UnsupportedVolumeStore() { }

    public IReadOnlyList<VolumeStoreInfo> Stores => [];

    public Task<VolumeInfo> CreateAsync(VolumeCreateSpec spec, CancellationToken cancellationToken) => throw Refused();
    public Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken) => throw Refused();
    public Task<IReadOnlyList<VolumeInfo>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<VolumeInfo>>([]);
    public Task RemoveAsync(string name, bool force, CancellationToken cancellationToken) => throw Refused();
    public Task<IReadOnlyList<string>> UsersAsync(string name, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    private static NotSupportedByBackendException Refused() => new("volumes are not supported by this backend");
}
