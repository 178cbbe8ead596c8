using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Network;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu;

/// <summary>
/// Composes the local QEMU backend. The returned <see cref="PortLayerServices.Containers"/> also implements
/// <see cref="IAsyncDisposable"/>: disposing it stops this backend's watchers and control connections while the
/// containerVMs keep running, as they do when the VCH process exits.
/// </summary>
public static class QemuBackend
{
    /// <summary>
    /// Opens (creating if needed) the datastore, rebuilds the view of every container from it and the running
    /// QEMU processes, and starts the accelerator decision in the background. Throws InvalidArgument for bad
    /// options and Unavailable when the container base is missing.
    /// </summary>
    public static async Task<PortLayerServices> CreateAsync(QemuBackendOptions options, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        options.Validate();
        var layout = new DatastoreLayout(options.DatastorePath, options.ContainerBasePath);
        foreach (string required in new[] { layout.Kernel, layout.Initramfs })
        {
            if (!File.Exists(required))
                throw new UnavailableException($"container base incomplete: {required} is missing");
        }
        layout.EnsureCreated();

        ILogger logger = loggerFactory.CreateLogger("Vic.PortLayer.Qemu");
        var host = HostResources.Read();
        var launcher = new QemuLauncher(options.QemuBinary, options.IpBinary);
        NamespaceFabric? fabric = options.NetworkNamespace is string ns
            ? await NamespaceFabric.OpenAsync(ns, options.IpBinary, options.IptablesRestoreBinary, logger, cancellationToken)
            : null;
        var qemuImg = new QemuImg(options.QemuImgBinary, options.MkfsExt4Binary);
        var accelerator = new AcceleratorProbe(options, layout, launcher, logger);
        var registry = new ContainerRegistry(layout, options.TimeProvider, logger);
        var volumes = new VolumeStore(VolumeStoresOf(options, layout), qemuImg, options.TimeProvider,
            () => registry.All.Where(e => !e.Removed).Select(e => e.Record.Spec), logger);
        volumes.EnsureCreated();
        var runner = new VmRunner(options, registry, launcher, accelerator, fabric, volumes, logger);
        var applier = new LayerApplier(options, layout, launcher, accelerator);
        var layers = new LayerStore(layout, options, qemuImg, applier,
            () => registry.All.Where(e => !e.Removed).Select(e => e.Record.Spec.ImageLayerId), logger);

        await ContainerRebuild.RunAsync(registry, runner, logger, cancellationToken);
        _ = accelerator.GetAsync(); // decide early, off the request path

        return new PortLayerServices(
            new ContainerLifecycle(options, registry, runner, layers, qemuImg, host, logger) { Volumes = volumes },
            new ContainerInteraction(options, registry, runner),
            new ContainerExec(options, registry, runner),
            layers,
            new MetadataStore(layout.MetadataDir),
            new HostInfo(layout, host, accelerator),
            fabric is null ? new NoFabric() : fabric,
            new ContainerStatsSampler(options, registry))
        {
            Volumes = volumes,
            Files = new ContainerFiles(options, layout, registry, runner, launcher, accelerator),
            Nics = new ContainerNics(options, registry, runner, fabric),
        };
    }

    /// <summary>The configured stores, or one "default" store inside the datastore.</summary>
    private static List<VolumeStoreInfo> VolumeStoresOf(QemuBackendOptions options, DatastoreLayout layout) =>
        options.VolumeStores.Count == 0
            ? [new VolumeStoreInfo(VolumeStore.DefaultStore, layout.VolumesDir)]
            : options.VolumeStores.Select(s => new VolumeStoreInfo(s.Key, Path.TrimEndingDirectorySeparator(s.Value))).ToList();
}
