namespace Vic.Vch.Limits;

/// <summary>What one VCH may use, set by its admin with vic-machine (--containers, --memory, --cpu,
/// --storage-quota). Null means unlimited.</summary>
internal sealed record ResourceLimits
{
    /// <summary>Containers that may exist at once, in any state.</summary>
    public int? MaxContainers { get; init; }

    /// <summary>Guest memory of all running containerVMs together, in bytes.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>vCPUs of all running containerVMs together.</summary>
    public int? Cpus { get; init; }

    /// <summary>Bytes the datastore (layers, container disks, logs) may hold before new content is refused.</summary>
    public long? StorageBytes { get; init; }

    public bool Any => MaxContainers is not null || MemoryBytes is not null || Cpus is not null || StorageBytes is not null;

    public override string ToString() =>
        $"containers {Show(MaxContainers)}, memory {Show(MemoryBytes is long m ? ByteText.Format(m) : null)}, cpus {Show(Cpus)}, storage {Show(StorageBytes is long s ? ByteText.Format(s) : null)}";

    private static string Show(object? value) => value?.ToString() ?? "unlimited";
}
