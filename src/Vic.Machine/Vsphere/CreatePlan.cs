using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>A create request with every inventory object resolved and every check passed: what create will make.</summary>
internal sealed record CreatePlan
{
    public required CreateRequest Request { get; init; }
    public required ComputeResource ComputeResource { get; init; }
    public required string ComputeResourcePath { get; init; }
    public required Datastore ImageDatastore { get; init; }
    /// <summary>The image store's directory on <see cref="ImageDatastore"/> ("" for its root).</summary>
    public required string ImagePath { get; init; }
    public required IReadOnlyList<PlannedVolumeStore> VolumeStores { get; init; }
    public required Network BridgeNetwork { get; init; }
    public required Network PublicNetwork { get; init; }
    public required IReadOnlyList<(Network Network, string Alias)> ContainerNetworks { get; init; }
    /// <summary>MHz of one vCPU on the slowest host of the compute resource (to turn --cpu into a pool limit).</summary>
    public required long HostCpuMhz { get; init; }
    public required LocalImages Images { get; init; }

    /// <summary>"[ds] path/name": the directory the VCH owns.</summary>
    public DatastorePath VchDirectory => ImageDatastore.PathOf(ImagePath.Length == 0 ? Request.Name : $"{ImagePath}/{Request.Name}");
}

/// <summary>A volume store: its datastore directory and whether create has to make it.</summary>
internal sealed record PlannedVolumeStore(string Text, Datastore Datastore, DatastorePath Directory, string Label, bool Exists);

/// <summary>
/// The files create and upgrade upload: the container base (required) and the appliance image (uploaded when it
/// has been built; the appliance VM then gets no boot disk and create says so). <see cref="Stamp"/> names the
/// upload's directory: vic-machine's version and a hash of the contents, so an upgrade to the same bits is seen.
/// </summary>
internal sealed record LocalImages(string ContainerBaseDirectory, IReadOnlyList<string> ContainerBaseFiles, string? ApplianceImage, string Stamp, string Version)
{
    /// <summary>container-base.iso is what VMs on vSphere boot from (scripts/build-container-base.sh makes it).</summary>
    public const string IsoName = "container-base.iso";

    public static readonly string[] ContainerBaseNames = ["vmlinuz", "initramfs.cpio", "kernel-release", "VERSION", IsoName];

    /// <summary>Reads what is there; problems (a missing container base) are added to <paramref name="problems"/>.</summary>
    public static LocalImages? Find(string containerBase, string applianceDirectory, List<string> problems)
    {
        string baseDir = Path.GetFullPath(containerBase);
        if (!File.Exists(Path.Combine(baseDir, "vmlinuz")) || !File.Exists(Path.Combine(baseDir, "initramfs.cpio")))
        {
            problems.Add($"container base not found in {baseDir} (expected vmlinuz and initramfs.cpio): build it with scripts/build.sh or give --container-base");
            return null;
        }
        var files = ContainerBaseNames.Select(n => Path.Combine(baseDir, n)).Where(File.Exists).ToList();
        string image = Path.Combine(Path.GetFullPath(applianceDirectory), "appliance.img");
        string? appliance = File.Exists(image) ? image : null;
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (string file in appliance is null ? files : files.Append(appliance))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            using var stream = File.OpenRead(file);
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = stream.Read(buffer)) > 0)
                hash.AppendData(buffer, 0, n);
        }
        string version = Layout.Version;
        string stamp = $"{version}-{Convert.ToHexStringLower(hash.GetHashAndReset())[..12]}";
        return new LocalImages(baseDir, files, appliance, stamp, version);
    }
}
