using Microsoft.Extensions.Logging;
using Vic.PortLayer.VSphere.Containers;
using Vic.PortLayer.VSphere.Storage;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere;

/// <summary>
/// Composes the vSphere backend. The returned <see cref="PortLayerServices.Containers"/> also implements
/// <see cref="IAsyncDisposable"/>: disposing it stops the power watch and logs out, while containerVMs keep running.
/// </summary>
public static class VSphereBackend
{
    /// <summary>
    /// Logs in, resolves the datacenter, compute resource, pool, folder, datastore and bridge port group, makes the
    /// VCH's folders on the image store, reads the complete layers and rebuilds the containers from the VMs in the
    /// pool, then starts following their power state. Throws InvalidArgument for bad options and Unavailable when
    /// vSphere cannot be reached, refuses the login or lacks a named object.
    /// </summary>
    public static async Task<PortLayerServices> CreateAsync(VSphereBackendOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        options.Validate();
        var logger = loggerFactory.CreateLogger("Vic.PortLayer.VSphere");
        var (sdk, datacenterPath) = options.SplitTarget();
        var client = await Faults.GuardAsync($"connecting to {sdk}", () => VsphereClient.ConnectAsync(new VsphereClientOptions
        {
            Url = sdk,
            Username = options.Username,
            Password = options.Password,
            Thumbprint = options.Thumbprint,
            TrustedCertificates = options.TrustedCertificates,
        }, loggerFactory, options.TimeProvider, cancellationToken));
        try
        {
            var placement = await Faults.GuardAsync("resolving the VCH's inventory", () => ResolveAsync(client, options, datacenterPath, cancellationToken));
            var context = new VSphereContext(client, placement, options, logger);
            foreach (var folder in new[] { placement.Images, placement.Containers, placement.Appliers, placement.Metadata })
                await Faults.GuardAsync($"making {folder}", () => MakeFolderAsync(client, placement.Datacenter, folder, cancellationToken));

            var watcher = new PowerWatcher(context);
            var table = new ContainerTable(context);
            var applier = new LayerApplier(context, watcher);
            var layers = new LayerStore(context, applier, () => table.All.Select(e => e.Record.Spec.ImageLayerId));
            var lifecycle = new ContainerLifecycle(context, table, layers, watcher);
            await layers.LoadAsync(cancellationToken);
            await ContainerRebuild.RunAsync(context, table, lifecycle, applier, cancellationToken);
            watcher.Start();
            Log.Ready(logger, options.VchName, placement.Pool.Value, placement.Root.ToString(), placement.Bridge.Name);
            return new PortLayerServices(
                lifecycle,
                new ContainerOutput(context, table),
                new UnsupportedExec(table),
                layers,
                new MetadataStore(context),
                new HostInfo(context),
                new BridgePortgroupFabric(placement.Bridge.Name),
                new UnsupportedStats(table));
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private static async Task<Placement> ResolveAsync(VsphereClient client, VSphereBackendOptions options, string? datacenterPath, CancellationToken cancellationToken)
    {
        var inventory = client.Inventory;
        var dc = await inventory.GetDatacenterAsync(datacenterPath, cancellationToken);
        var compute = await inventory.GetComputeResourceAsync(dc, options.ComputeResource, cancellationToken);
        var pool = options.ResourcePool is { } poolPath ? await inventory.GetResourcePoolAsync(poolPath, cancellationToken) : compute.ResourcePool;
        var folder = options.VmFolder is { } folderPath ? await inventory.GetFolderAsync(folderPath, cancellationToken) : dc.VmFolder;
        int slash = options.ImageStore.IndexOf('/');
        string dsName = slash < 0 ? options.ImageStore : options.ImageStore[..slash];
        string dsPath = slash < 0 ? "" : options.ImageStore[(slash + 1)..].Trim('/');
        var datastore = await inventory.GetDatastoreAsync(dc, dsName, cancellationToken);
        var root = datastore.PathOf(dsPath).Combine(options.VchName);
        var bridge = await inventory.GetNetworkAsync(dc, options.BridgeNetwork, cancellationToken);
        foreach (string portgroup in options.ContainerNetworks.Keys)
            await inventory.GetNetworkAsync(dc, portgroup, cancellationToken); // named ones must exist, even if unused yet

        var basePath = DatastorePath.Parse(options.ContainerBase);
        bool isIso = basePath.Path.EndsWith(".iso", StringComparison.OrdinalIgnoreCase);
        var iso = isIso ? basePath : basePath.Combine("container-base.iso");
        string baseFolder = isIso ? basePath.Path[..Math.Max(0, basePath.Path.LastIndexOf('/'))] : basePath.Path;
        var baseDatastore = basePath.Datastore == datastore.Name ? datastore : await inventory.GetDatastoreAsync(dc, basePath.Datastore, cancellationToken);
        if (!await client.Datastores.ExistsAsync(baseDatastore, iso.Path, cancellationToken))
            throw new Vic.Vsphere.NotFoundException($"container base {iso} not found: upload it first (vic-machine create does)");
        var kernelRelease = new DatastorePath(basePath.Datastore, baseFolder).Combine("kernel-release");
        bool hasRelease = await client.Datastores.ExistsAsync(baseDatastore, kernelRelease.Path, cancellationToken);
        return new Placement(dc, compute, pool, folder, datastore, root, bridge, iso, hasRelease ? kernelRelease : null);
    }

    private static async Task MakeFolderAsync(VsphereClient client, Datacenter dc, DatastorePath folder, CancellationToken cancellationToken)
    {
        try
        {
            await client.Datastores.MakeDirectoryAsync(dc, folder, createParents: true, cancellationToken);
        }
        catch (FileAlreadyExistsFault)
        {
        }
    }
}
