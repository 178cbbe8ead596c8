namespace Vic.PortLayer;

/// <summary>
/// Named volumes: each is a disk of its own in one of the VCH's volume stores (DESIGN rule 4), so its data
/// outlives every container that mounts it. Containers name volumes in <see cref="ContainerSpec.Mounts"/>;
/// a volume is "in use" while any container (running or not) names it.
/// </summary>
public interface IVolumeStore
{
    /// <summary>The stores volumes can be placed in, by label; "default" is used when a create names none.</summary>
    IReadOnlyList<VolumeStoreInfo> Stores { get; }

    /// <summary>
    /// Creates an empty volume. Options: "Capacity" (size with units, default 1 GiB) and "VolumeStore" (a label of
    /// <see cref="Stores"/>). Creating an existing name returns it unchanged (as dockerd does). Throws InvalidArgument
    /// for a bad name, an unknown option or store, or a bad capacity; nothing is left behind on failure.
    /// </summary>
    Task<VolumeInfo> CreateAsync(VolumeCreateSpec spec, CancellationToken cancellationToken);

    /// <summary>Throws NotFound ("get NAME: no such volume") for an unknown name.</summary>
    Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every volume of every store.</summary>
    Task<IReadOnlyList<VolumeInfo>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the volume and its data. Throws NotFound for an unknown name and Conflict
    /// ("remove NAME: volume is in use - [ids]") while a container names it; <paramref name="force"/> only
    /// makes a missing volume not an error.
    /// </summary>
    Task RemoveAsync(string name, bool force, CancellationToken cancellationToken);

    /// <summary>IDs of the containers that name the volume (empty when unused).</summary>
    Task<IReadOnlyList<string>> UsersAsync(string name, CancellationToken cancellationToken);
}

/// <summary>
/// A volume store. A plain store keeps each volume as a disk of its own, attached to one writing VM at a time; a
/// <see cref="Shared"/> store keeps each volume as a directory that every VM mounting it shares (several containers
/// write it at once, as VIC's NFS stores allowed), at the price of a fixed capacity.
/// </summary>
public sealed record VolumeStoreInfo(string Label, string Location)
{
    /// <summary>How a shared store is written in a store setting: "shared:/srv/volumes".</summary>
    public const string SharedPrefix = "shared:";

    public bool Shared { get; init; }

    /// <summary>A store from its label and setting ("/path", or "shared:/path" for a shared store).</summary>
    public static VolumeStoreInfo FromSetting(string label, string setting) =>
        setting.StartsWith(SharedPrefix, StringComparison.Ordinal)
            ? new VolumeStoreInfo(label, setting[SharedPrefix.Length..]) { Shared = true }
            : new VolumeStoreInfo(label, setting);
}

public sealed record VolumeCreateSpec
{
    /// <summary>[a-zA-Z0-9][a-zA-Z0-9_.-]+ as dockerd's local driver requires; null or empty: a random 64-hex name.</summary>
    public string? Name { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}

public sealed record VolumeInfo
{
    public required string Name { get; init; }
    /// <summary>The store's label.</summary>
    public required string Store { get; init; }
    /// <summary>Where the volume's disk lives on the datastore.</summary>
    public required string Location { get; init; }
    /// <summary>The disk's size; 0 for a volume of a shared store, which has none of its own.</summary>
    public required long CapacityBytes { get; init; }
    /// <summary>Whether it lives in a shared store (a directory several running containers may write at once).</summary>
    public bool Shared { get; init; }
    /// <summary>Bytes the volume takes on the datastore (its sparse disk, or its shared directory's files).</summary>
    public long AllocatedBytes { get; init; }
    public required DateTimeOffset Created { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>The options it was created with, as given.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}
