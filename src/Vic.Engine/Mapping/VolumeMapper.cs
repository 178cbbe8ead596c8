using System.Globalization;
using Vic.Engine.Models;
using Vic.Engine.Volumes;
using Vic.PortLayer;

namespace Vic.Engine.Mapping;

/// <summary>Port-layer volumes and mounts as Docker's wire shapes.</summary>
internal static class VolumeMapper
{
    public static Volume ToVolume(VolumeInfo v, int? refCount = null) => new()
    {
        Name = v.Name,
        Driver = VolumeDrivers.Local,
        Mountpoint = v.Location,
        CreatedAt = v.Created.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
        // Status is the driver's own: where a VCH keeps the volume, how big its disk may grow (a shared volume is a
        // directory with no capacity of its own) and what it takes now.
        Status = v.Shared
            ? new Dictionary<string, string>
            {
                ["VolumeStore"] = v.Store,
                ["Shared"] = "true",
                ["Allocated"] = v.AllocatedBytes.ToString(CultureInfo.InvariantCulture),
            }
            : new Dictionary<string, string>
            {
                ["VolumeStore"] = v.Store,
                ["Capacity"] = v.CapacityBytes.ToString(CultureInfo.InvariantCulture),
                ["Allocated"] = v.AllocatedBytes.ToString(CultureInfo.InvariantCulture),
            },
        Labels = new Dictionary<string, string>(v.Labels),
        Options = new Dictionary<string, string>(v.Options),
        UsageData = refCount is { } n ? new VolumeUsage(v.AllocatedBytes, n) : null,
    };

    /// <summary>docker inspect's Mounts: what each mount is, as dockerd reports it.</summary>
    public static List<MountPoint> ToMountPoints(IReadOnlyList<MountSpec> mounts, IReadOnlyDictionary<string, VolumeInfo> volumes) =>
        mounts.Select(m => m.Kind switch
        {
            MountKind.Volume => new MountPoint
            {
                Type = "volume",
                Name = m.Source,
                Source = volumes.TryGetValue(m.Source, out var v) ? v.Location : "",
                Destination = m.Target,
                Driver = VolumeDrivers.Local,
                Mode = m.ReadOnly ? "ro" : "z",
                RW = !m.ReadOnly,
            },
            MountKind.Bind => new MountPoint
            {
                Type = "bind",
                Source = m.Source,
                Destination = m.Target,
                Mode = m.ReadOnly ? "ro" : "",
                RW = !m.ReadOnly,
                Propagation = "rprivate",
            },
            _ => new MountPoint { Type = "tmpfs", Destination = m.Target, RW = !m.ReadOnly },
        }).ToList();
}
