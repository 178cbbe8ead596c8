using System.Security.Cryptography;
using System.Text;

namespace Vic.ContainerBase;

/// <summary>
/// Builds one version of the container base: the guest kernel plus an initramfs holding the tether as /init,
/// the libraries it needs and the kernel modules every containerVM loads. The version is a hash over the
/// inputs, so rebuilding unchanged inputs is a no-op and a changed input never overwrites a version in use.
/// </summary>
internal sealed class BaseBuilder(BuildOptions options, TextWriter log)
{
    /// <summary>Bumped whenever the initramfs layout changes, so an old build is never mistaken for a new one.</summary>
    internal const int FormatVersion = 1;

    /// <summary>Where the tether reads its module load order (absolute .ko paths, one a line).</summary>
    internal const string ModuleListPath = "vic/modules.load";

    /// <summary>Modules every containerVM needs, in the order they are wanted (dependencies are added first).</summary>
    internal static readonly IReadOnlyList<string> WantedModules =
        ["virtio_ring", "virtio", "virtio_mmio",
         // The same base also boots on a PC machine (pc/q35: QEMU's vmport backdoor, the appliance), whose virtio
         // devices sit on PCI; on microvm the driver finds no bus and costs nothing.
         "virtio_pci",
         "qemu_fw_cfg", "virtio_console", "virtio_blk", "failover", "net_failover", "virtio_net",
         // Feeds the kernel random pool when the VM has a virtio-rng device: without RDRAND (TCG's default CPU)
         // the first getrandom() in the guest otherwise waits a second or more for entropy.
         "virtio_rng",
         // Bind mounts: host directories shared over virtio-fs (the kernel has no 9p); fuse is its dependency.
         "virtiofs",
         // Free page reporting: pages the guest frees (boot's initramfs unpacking, exited processes) go back to the
         // host instead of staying resident in the VM's memory for its whole life.
         "virtio_balloon",
         // Disks on SCSI: vSphere's paravirtual controller (containerVMs and the appliance), and virtio-scsi, which
         // gives the same /dev/sdX names when the appliance is booted under QEMU the way vSphere configures it.
         "vmw_pvscsi", "virtio_scsi", "sd_mod",
         // vSphere's NIC, and its IDE CD-ROMs (the layer applier reads its tar from the second one, /dev/sr1).
         "vmxnet3", "ata_piix", "sr_mod"];

    // Fixed timestamp for every archive entry (2020-01-01T00:00:00Z): deterministic output.
    private const long FixedMtime = 1577836800;

    public BuildResult Build()
    {
        string kernelDir = Path.GetFullPath(options.KernelDir);
        string release = File.ReadAllText(Path.Combine(kernelDir, "kernel-release")).Trim();
        string vmlinuz = Path.Combine(kernelDir, "vmlinuz");
        string modulesRoot = Path.Combine(kernelDir, "lib", "modules", release);
        string tether = Path.GetFullPath(options.TetherPath);
        foreach (string required in (string[])[vmlinuz, Path.Combine(modulesRoot, "modules.dep"), tether])
        {
            if (!File.Exists(required))
            {
                throw new FileNotFoundException($"missing input: {required}");
            }
        }

        var deps = ModuleResolver.ParseModulesDep(File.ReadAllText(Path.Combine(modulesRoot, "modules.dep")));
        IReadOnlyList<string> modules = ModuleResolver.ResolveLoadOrder(deps, WantedModules);
        IReadOnlyList<string> libraries = LibraryResolver.Resolve(tether);

        var files = new SortedDictionary<string, (byte[] Content, uint Mode)>(StringComparer.Ordinal)
        {
            ["init"] = (File.ReadAllBytes(tether), 0x1ED),
        };
        foreach (string library in libraries)
        {
            // Symlinks are resolved: the file lands at the path the loader asks for, whatever links led there.
            files[library.TrimStart('/')] = (File.ReadAllBytes(library), 0x1ED);
        }
        var loadOrder = new StringBuilder();
        foreach (string module in modules)
        {
            string guestPath = $"lib/modules/{release}/{module}";
            files[guestPath] = (File.ReadAllBytes(Path.Combine(modulesRoot, module)), 0x1A4);
            loadOrder.Append('/').Append(guestPath).Append('\n');
        }
        files[ModuleListPath] = (Encoding.UTF8.GetBytes(loadOrder.ToString()), 0x1A4);

        byte[] kernel = File.ReadAllBytes(vmlinuz);
        string version = ComputeVersion(release, kernel, files);
        string outDir = Path.GetFullPath(options.OutDir);
        string target = Path.Combine(outDir, version);
        if (Directory.Exists(target))
        {
            log.WriteLine($"container-base: {version} is up to date");
            PointCurrentAt(outDir, version);
            return new BuildResult(version, target, Reused: true);
        }

        Directory.CreateDirectory(outDir);
        string stage = Path.Combine(outDir, $".{version}.tmp");
        if (Directory.Exists(stage))
        {
            Directory.Delete(stage, recursive: true);
        }
        Directory.CreateDirectory(stage);
        File.WriteAllBytes(Path.Combine(stage, "vmlinuz"), kernel);
        using (FileStream cpio = File.Create(Path.Combine(stage, "initramfs.cpio")))
        {
            WriteInitramfs(cpio, files);
        }
        File.WriteAllText(Path.Combine(stage, "kernel-release"), release + "\n");
        File.WriteAllText(Path.Combine(stage, "VERSION"), version + "\n");
        Directory.Move(stage, target);
        PointCurrentAt(outDir, version);
        log.WriteLine($"container-base: built {version} ({modules.Count} modules, {libraries.Count} libraries, kernel {release})");
        return new BuildResult(version, target, Reused: false);
    }

    internal static void WriteInitramfs(Stream output, SortedDictionary<string, (byte[] Content, uint Mode)> files)
    {
        // Directories the tether mounts on or needs, plus every parent of a file; sorted so parents come first.
        var directories = new SortedSet<string>(StringComparer.Ordinal) { "dev", "proc", "sys", "newroot", "tmp" };
        foreach (string path in files.Keys)
        {
            for (string? dir = Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                directories.Add(dir.Replace('\\', '/'));
            }
        }

        var entries = new SortedDictionary<string, Action<CpioWriter, string>>(StringComparer.Ordinal);
        foreach (string dir in directories)
        {
            entries[dir] = (w, p) => w.AddDirectory(p);
        }
        // The kernel opens /dev/console for init's stdio before devtmpfs exists; without it init has no fd 0-2.
        entries["dev/console"] = (w, p) => w.AddCharDevice(p, 5, 1);
        foreach ((string path, (byte[] content, uint mode)) in files)
        {
            entries[path] = (w, p) => w.AddFile(p, content, mode);
        }

        var writer = new CpioWriter(output, FixedMtime);
        foreach ((string path, Action<CpioWriter, string> add) in entries)
        {
            add(writer, path);
        }
        writer.Finish();
    }

    private static string ComputeVersion(string release, byte[] kernel, SortedDictionary<string, (byte[] Content, uint Mode)> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"format {FormatVersion}");
        Add($"release {release}");
        Add($"vmlinuz {Convert.ToHexStringLower(SHA256.HashData(kernel))}");
        foreach ((string path, (byte[] content, uint mode)) in files)
        {
            Add($"{path} {mode} {Convert.ToHexStringLower(SHA256.HashData(content))}");
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }

    // A new symlink renamed over the old one: readers see the old or the new target, never none.
    private static void PointCurrentAt(string outDir, string version)
    {
        string current = Path.Combine(outDir, "current");
        string temp = Path.Combine(outDir, $".current.{Environment.ProcessId}.tmp");
        File.Delete(temp);
        File.CreateSymbolicLink(temp, version);
        NativeRename.Rename(temp, current);
    }
}

internal sealed record BuildOptions(string KernelDir, string TetherPath, string OutDir);

internal sealed record BuildResult(string Version, string Directory, bool Reused);
