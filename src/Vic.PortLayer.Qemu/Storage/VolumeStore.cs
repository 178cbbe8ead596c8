using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Storage;

/// <summary>
/// Named volumes of the local backend: each is a sparse raw ext4 disk (<see cref="DiskFile"/>) — or, in a shared
/// store, a directory (<see cref="SharedDataDir"/>) that VMs mount over virtio-fs — with its <see cref="MetaFile"/> in
/// a directory named after it, in one of the VCH's volume stores. A volume appears and
/// disappears by directory rename, so a crash leaves either the whole volume or nothing. <see cref="Lock"/> orders
/// removals against container creates, so a volume a container is being made with cannot vanish meanwhile.
/// </summary>
internal sealed partial class VolumeStore(
    IReadOnlyList<VolumeStoreInfo> stores,
    QemuImg qemuImg,
    TimeProvider time,
    Func<IEnumerable<ContainerSpec>> containers,
    ILogger logger) : IVolumeStore
{
    public const string DiskFile = "disk.raw";
    public const string MetaFile = "volume.json";
    public const string SharedDataDir = "data";
    public const string DefaultStore = "default";

    public SemaphoreSlim Lock { get; } = new(1, 1);

    public IReadOnlyList<VolumeStoreInfo> Stores => stores;

    /// <summary>Creates every store's directory (a store on a missing mount shows up as an error at once).</summary>
    public void EnsureCreated()
    {
        foreach (var store in stores)
        {
            Directory.CreateDirectory(store.Location);
            DatastoreLayout.SweepLitter(store.Location);
        }
    }

    public async Task<VolumeInfo> CreateAsync(VolumeCreateSpec spec, CancellationToken cancellationToken)
    {
        string name = string.IsNullOrEmpty(spec.Name) ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) : spec.Name;
        VolumeOptions.ValidateName(name);
        var (capacity, storeLabel) = VolumeOptions.Parse(name, spec.Options);
        var store = stores.FirstOrDefault(s => s.Label == (storeLabel ?? DefaultStore))
            ?? throw new InvalidArgumentException(storeLabel is null
                ? $"create {name}: this VCH has no default volume store; name one with --opt VolumeStore=<label> ({Labels()})"
                : $"create {name}: no volume store named \"{storeLabel}\" (this VCH has: {Labels()})");
        if (store.Shared)
        {
            // A shared volume is a plain directory: there is no disk whose size could hold it to a capacity.
            if (spec.Options.Keys.Any(k => k.Equals(VolumeOptions.Capacity, StringComparison.OrdinalIgnoreCase)))
                throw new InvalidArgumentException($"create {name}: volume store \"{store.Label}\" is shared: its volumes are directories without a capacity of their own; leave out --opt Capacity");
            capacity = 0;
        }
        await Lock.WaitAsync(cancellationToken);
        try
        {
            // dockerd answers a create of an existing name with the existing volume.
            if (Find(name, measured: true) is { } existing)
                return existing;
            string work = DatastoreLayout.NewTempDir(store.Location);
            Directory.CreateDirectory(work);
            try
            {
                if (store.Shared)
                    CreateSharedData(Path.Combine(work, SharedDataDir));
                else
                    await qemuImg.CreateRawExt4Async(Path.Combine(work, DiskFile), capacity, "vic-volume", cancellationToken);
                var meta = new VolumeMeta
                {
                    Name = name,
                    CapacityBytes = capacity,
                    Created = time.GetUtcNow(),
                    Labels = new Dictionary<string, string>(spec.Labels),
                    Options = new Dictionary<string, string>(spec.Options),
                };
                await AtomicFile.WriteAsync(Path.Combine(work, MetaFile), JsonSerializer.SerializeToUtf8Bytes(meta, QemuJson.Default.VolumeMeta), cancellationToken);
                string dir = Path.Combine(store.Location, name);
                Directory.Move(work, dir);
                AtomicFile.FsyncDirectory(store.Location);
                Log.VolumeCreated(logger, name, store.Label, capacity);
                return ToInfo(store, dir, meta, measured: true);
            }
            catch
            {
                DatastoreLayout.TryDeleteDirectory(work);
                throw;
            }
        }
        finally
        {
            Lock.Release();
        }
    }

    public Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Find(name, measured: true) ?? throw new NotFoundException($"get {name}: no such volume"));

    public Task<IReadOnlyList<VolumeInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var all = new List<VolumeInfo>();
        foreach (var store in stores)
        {
            if (!Directory.Exists(store.Location))
                continue;
            foreach (string dir in Directory.EnumerateDirectories(store.Location))
            {
                if (!Path.GetFileName(dir).StartsWith('.') && Read(store, dir, measured: true) is { } info)
                    all.Add(info);
            }
        }
        return Task.FromResult<IReadOnlyList<VolumeInfo>>(all);
    }

    public async Task RemoveAsync(string name, bool force, CancellationToken cancellationToken)
    {
        await Lock.WaitAsync(cancellationToken);
        try
        {
            var volume = Find(name);
            if (volume is null)
            {
                if (force)
                    return;
                throw new NotFoundException($"get {name}: no such volume");
            }
            var users = UsersOf(name);
            if (users.Count > 0)
                throw new ConflictException($"remove {name}: volume is in use - [{string.Join(", ", users)}]");
            DatastoreLayout.DeleteAtomically(volume.Location);
            Log.VolumeRemoved(logger, name);
        }
        finally
        {
            Lock.Release();
        }
    }

    public Task<IReadOnlyList<string>> UsersAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(UsersOf(name));

    /// <summary>
    /// How a VM gets an existing volume: its disk, or for a shared volume the host directory to share. Throws NotFound.
    /// </summary>
    public (string Path, bool Shared) AttachmentOf(string name)
    {
        var volume = Find(name) ?? throw new NotFoundException($"get {name}: no such volume");
        return volume.Shared ? (Path.Combine(volume.Location, SharedDataDir), true) : (Path.Combine(volume.Location, DiskFile), false);
    }

    /// <summary>Whether the volume lives in a shared store (unknown names are not).</summary>
    public bool IsShared(string name) => Find(name)?.Shared ?? false;

    public bool Exists(string name) => Find(name) is not null;

    /// <summary>Whether the volume's disk has never been attached to a VM (see <see cref="VolumeMeta.Attached"/>).</summary>
    public bool NeverAttached(string name)
    {
        var volume = Find(name);
        return volume is { Shared: false } && ReadMeta(volume.Location) is { Attached: false };
    }

    /// <summary>Records that these volumes' disks have been attached to a VM. Best effort: a volume removed meanwhile is skipped.</summary>
    public async Task MarkAttachedAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        await Lock.WaitAsync(cancellationToken);
        try
        {
            foreach (string name in names)
            {
                if (Find(name) is not { Shared: false } volume || ReadMeta(volume.Location) is not { Attached: false } meta)
                    continue;
                await AtomicFile.WriteAsync(Path.Combine(volume.Location, MetaFile),
                    JsonSerializer.SerializeToUtf8Bytes(meta with { Attached = true }, QemuJson.Default.VolumeMeta), cancellationToken);
            }
        }
        finally
        {
            Lock.Release();
        }
    }

    private static VolumeMeta? ReadMeta(string dir)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(dir, MetaFile)), QemuJson.Default.VolumeMeta);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The shared directory starts as dockerd's _data does: root's, 0755. Containers running as root may then write
    /// it, and the first mount's copy of the image's content gives it the image directory's owner and mode.
    /// </summary>
    private static void CreateSharedData(string path)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows()) // always true here; the guard tells the platform analyzer so
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private IReadOnlyList<string> UsersOf(string name) =>
        containers().Where(c => c.Mounts.Any(m => m.Kind == MountKind.Volume && m.Source == name)).Select(c => c.Id).Order(StringComparer.Ordinal).ToList();

    /// <param name="measured">
    /// Whether AllocatedBytes is wanted (answers to the API). The lookups a container start makes leave it out: for a
    /// shared volume it means walking the whole directory.
    /// </param>
    private VolumeInfo? Find(string name, bool measured = false)
    {
        // Names are checked first: a name is also a path segment.
        if (name.Length < 2 || name.Contains('/') || name.StartsWith('.'))
            return null;
        foreach (var store in stores)
        {
            string dir = Path.Combine(store.Location, name);
            if (Directory.Exists(dir) && Read(store, dir, measured) is { } info)
                return info;
        }
        return null;
    }

    private static VolumeInfo? Read(VolumeStoreInfo store, string dir, bool measured)
    {
        try
        {
            var meta = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(dir, MetaFile)), QemuJson.Default.VolumeMeta);
            return meta is null ? null : ToInfo(store, dir, meta, measured);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static VolumeInfo ToInfo(VolumeStoreInfo store, string dir, VolumeMeta meta, bool measured) => new()
    {
        Name = meta.Name,
        Store = store.Label,
        Location = dir,
        CapacityBytes = meta.CapacityBytes,
        Shared = store.Shared,
        AllocatedBytes = !measured ? 0
            : store.Shared ? TreeAllocatedBytes(Path.Combine(dir, SharedDataDir)) : AllocatedBytes(Path.Combine(dir, DiskFile)),
        Created = meta.Created,
        Labels = meta.Labels,
        Options = meta.Options,
    };

    /// <summary>What the sparse disk really takes on the datastore (st_blocks * 512), as du counts it.</summary>
    private static unsafe long AllocatedBytes(string path)
    {
        byte* buffer = stackalloc byte[256];
        // struct stat on x86_64 Linux: st_blocks at offset 64.
        return stat(path, buffer) == 0 ? *(long*)(buffer + 64) * 512 : 0;
    }

    /// <summary>
    /// What a shared volume's files take, as du counts them. Symbolic links are never followed: containers write this
    /// tree, and a link to "/" must not make the VCH walk the host.
    /// </summary>
    private static long TreeAllocatedBytes(string root)
    {
        if (!Directory.Exists(root))
            return 0;
        var files = new System.IO.Enumeration.FileSystemEnumerable<string>(root, (ref System.IO.Enumeration.FileSystemEntry e) => e.ToFullPath(),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry e) => !e.IsDirectory && (e.Attributes & FileAttributes.ReparsePoint) == 0,
            ShouldRecursePredicate = (ref System.IO.Enumeration.FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        long total = 0;
        foreach (string file in files)
            total += AllocatedBytes(file);
        return total;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "stat", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static unsafe partial int stat(string path, byte* buffer);

    private string Labels() => stores.Count == 0 ? "none" : string.Join(", ", stores.Select(s => s.Label));
}
