using Vic.PortLayer;
using Vic.PortLayer.Qemu.Tests.Support;

namespace Vic.PortLayer.Qemu.Tests.Integration;

/// <summary>
/// One datastore with the busybox layer written through a real ApplyLayer VM, shared by the integration tests.
/// Needs the container base that scripts/build-container-base.sh makes in .cache/container-base/current.
/// </summary>
public sealed class QemuFixture : IAsyncLifetime
{
    public const string BusyboxLayer = "sha256:b000000000000000000000000000000000000000000000000000000000000001";
    private readonly TempDirectory _temp = new("vic-qemu-it");

    public PortLayerServices Backend { get; private set; } = null!;
    public QemuBackendOptions Options { get; private set; } = null!;
    public TimeSpan LayerWriteTime { get; private set; }

    public static string ContainerBasePath()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "vic.slnx")))
            dir = Path.GetDirectoryName(dir);
        string path = Path.Combine(dir ?? "/work/main", ".cache", "container-base", "current");
        if (!File.Exists(Path.Combine(path, "vmlinuz")) || !File.Exists(Path.Combine(path, "initramfs.cpio")))
            throw new InvalidOperationException(
                $"The container base is missing at {path}: build it with scripts/build-container-base.sh before running the QEMU integration tests.");
        return path;
    }

    public async Task InitializeAsync()
    {
        Options = new QemuBackendOptions
        {
            DatastorePath = _temp.Combine("ds"),
            ContainerBasePath = ContainerBasePath(),
            Accelerator = "auto",
            RootDiskBytes = 1L << 30,
        };
        Backend = await BackendFactory.CreateAsync(Options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using MemoryStream tar = BusyboxImage.BuildTar();
        await Backend.Layers.WriteLayerAsync(BusyboxLayer, null, tar, CancellationToken.None);
        LayerWriteTime = clock.Elapsed;
    }

    /// <summary>Swaps in a new backend over the same datastore, as a VCH restart does; <paramref name="whileDown"/>
    /// runs while no backend watches the VMs.</summary>
    public async Task<PortLayerServices> RestartAsync(Func<Task>? whileDown = null)
    {
        await BackendFactory.ShutdownAsync(Backend);
        if (whileDown is not null)
            await whileDown();
        Backend = await BackendFactory.CreateAsync(Options);
        return Backend;
    }

    public async Task DisposeAsync()
    {
        // Never leave a VM behind, whatever a test did.
        if (Backend is not null)
        {
            foreach (ContainerInfo c in await Backend.Containers.ListAsync(default))
            {
                try
                {
                    await Backend.Containers.RemoveAsync(c.Spec.Id, force: true, default);
                }
                catch (PortLayerException) { }
            }
            await BackendFactory.ShutdownAsync(Backend);
        }
        _temp.Dispose();
    }
}

[CollectionDefinition("qemu")]
public sealed class QemuCollection : ICollectionFixture<QemuFixture>;
