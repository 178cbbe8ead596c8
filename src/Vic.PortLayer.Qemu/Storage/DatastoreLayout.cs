namespace Vic.PortLayer.Qemu.Storage;

/// <summary>
/// Every path of the datastore in one place (layout documented in README.md). Names that start with '.'
/// are work in progress (".tmp-&lt;pid&gt;-&lt;guid&gt;") or being deleted (".trash-..."), never live objects.
/// </summary>
internal sealed class DatastoreLayout(string root, string containerBase)
{
    public string Root { get; } = Path.TrimEndingDirectorySeparator(root);
    public string LayersDir => Path.Combine(Root, "layers");
    public string ContainersDir => Path.Combine(Root, "containers");
    public string MetadataDir => Path.Combine(Root, "metadata");
    /// <summary>The "default" volume store when the VCH names none.</summary>
    public string VolumesDir => Path.Combine(Root, "volumes");

    public string BaseLayerDir => Path.Combine(LayersDir, "base");
    public string BaseDisk => Path.Combine(BaseLayerDir, DiskFile);

    public string Kernel => Path.Combine(containerBase, "vmlinuz");
    public string Initramfs => Path.Combine(containerBase, "initramfs.cpio");
    public string KernelReleaseFile => Path.Combine(containerBase, "kernel-release");

    public const string DiskFile = "disk.qcow2";
    public const string LayerMetaFile = "meta.json";
    public const string ConfigFile = "config.json";
    public const string SpecFile = "spec.json";
    public const string OutputLogFile = "output.log";
    public const string ConsoleLogFile = "console.log";
    public const string PidFile = "qemu.pid";
    public const string QmpSocketFile = "qmp.sock";
    public const string ControlSocketFile = "control.sock";
    /// <summary>The VM's transfer disk: file sessions' bulk data (see Containers/TransferDiskFile.cs).</summary>
    public const string TransferFile = "xfer.raw";

    public string LayerDir(string layerHex) => Path.Combine(LayersDir, layerHex);
    public string LayerDisk(string layerHex) => Path.Combine(LayerDir(layerHex), DiskFile);
    public string ContainerDir(string id) => Path.Combine(ContainersDir, id);

    /// <summary>A fresh work directory name under <paramref name="parent"/>; the pid lets a later start tell live work from litter.</summary>
    public static string NewTempDir(string parent) =>
        Path.Combine(parent, $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public static string NewTrashDir(string parent) => Path.Combine(parent, $".trash-{Guid.NewGuid():N}");

    public void EnsureCreated()
    {
        Directory.CreateDirectory(LayersDir);
        Directory.CreateDirectory(ContainersDir);
        Directory.CreateDirectory(MetadataDir);
    }

    /// <summary>
    /// Deletes work directories left by a crashed process under <paramref name="parent"/>. Directories of a live
    /// process (another backend instance on this datastore) are left alone.
    /// </summary>
    public static void SweepLitter(string parent)
    {
        if (!Directory.Exists(parent))
            return;
        foreach (string dir in Directory.EnumerateDirectories(parent, ".*"))
        {
            string name = Path.GetFileName(dir);
            if (name.StartsWith(".tmp-", StringComparison.Ordinal) && OwnerAlive(name))
                continue;
            TryDeleteDirectory(dir);
        }
    }

    private static bool OwnerAlive(string tempName)
    {
        string[] parts = tempName.Split('-');
        return parts.Length >= 3 && int.TryParse(parts[1], out int pid) && Directory.Exists($"/proc/{pid}");
    }

    public static void TryDeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Removes a directory tree as one step as far as readers can tell: rename aside, then delete.</summary>
    public static void DeleteAtomically(string dir)
    {
        if (!Directory.Exists(dir))
            return;
        string trash = NewTrashDir(Path.GetDirectoryName(dir)!);
        Directory.Move(dir, trash);
        AtomicFile.FsyncDirectory(Path.GetDirectoryName(dir)!);
        TryDeleteDirectory(trash);
    }
}
