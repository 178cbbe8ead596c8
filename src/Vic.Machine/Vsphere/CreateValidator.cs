using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Checks a create request against the target before anything is made: every inventory path, datastore and
/// network exists, the name is free (no VCH, VM, folder, pool or datastore directory of that name), the local
/// images are there. Every problem is collected and reported together, so one run shows all that must be fixed.
/// </summary>
internal static class CreateValidator
{
    public static async Task<CreatePlan> ValidateAsync(VsphereSession session, CreateRequest request, TextWriter progress, CancellationToken ct)
    {
        var client = session.Client;
        var dc = session.Datacenter;
        var problems = new List<string>();
        progress.WriteLine($"Validating VCH {request.Name} on {session.Target.Display} (datacenter {dc.Path})");
        if (VchStore.ValidateName(request.Name) is string badName)
            problems.Add(badName);

        ComputeResource? cr = await Resolve(problems, () => client.Inventory.GetComputeResourceAsync(dc, request.ComputeResource, ct), "--compute-resource");
        string crPath = request.ComputeResource is null ? (cr is null ? "" : $"{dc.Path}/host/{cr.Name}")
            : request.ComputeResource.StartsWith('/') ? request.ComputeResource : $"{dc.Path}/host/{request.ComputeResource}";

        Datastore? imageDs = null;
        string imagePath = "";
        if (request.ImageStore is null)
        {
            if (cr is { Datastores.Count: 1 })
                imageDs = await client.Inventory.GetDatastoreAsync(dc, await NameOf(client, cr.Datastores[0], ct), ct);
            else if (cr is not null)
                problems.Add($"--image-store is required: {cr.Name} has {cr.Datastores.Count} datastores");
        }
        else if (StoreSyntax.ImageStore(request.ImageStore) is not { } store)
            problems.Add($"invalid --image-store \"{request.ImageStore}\": expected <datastore>[/path]");
        else
        {
            imagePath = store.Path;
            imageDs = await Resolve(problems, () => client.Inventory.GetDatastoreAsync(dc, store.Datastore, ct), "--image-store");
        }
        if (imageDs is not null && cr is not null && !cr.Datastores.Contains(imageDs.Reference))
            problems.Add($"--image-store: datastore {imageDs.Name} is not mounted on {cr.Name}");

        var volumeStores = new List<PlannedVolumeStore>();
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (string text in request.VolumeStores)
        {
            if (StoreSyntax.VolumeStore(text) is not { } vs)
            {
                problems.Add($"invalid --volume-store \"{text}\": expected <datastore>/<path>:<label>, e.g. datastore1/volumes:default");
                continue;
            }
            if (!labels.Add(vs.Label))
                problems.Add($"--volume-store: label \"{vs.Label}\" is given twice");
            var ds = await Resolve(problems, () => client.Inventory.GetDatastoreAsync(dc, vs.Datastore, ct), "--volume-store");
            if (ds is null)
                continue;
            bool exists = await client.Datastores.ExistsAsync(ds, vs.Path, ct);
            volumeStores.Add(new PlannedVolumeStore(text, ds, ds.PathOf(vs.Path), vs.Label, exists));
        }

        Network? bridge = null;
        if (request.BridgeNetwork is null)
            problems.Add("--bridge-network is required: a port group of its own for traffic between containerVMs and the appliance");
        else
            bridge = await Resolve(problems, () => client.Inventory.GetNetworkAsync(dc, request.BridgeNetwork, ct), "--bridge-network");
        var pub = await Resolve(problems, () => client.Inventory.GetNetworkAsync(dc, request.PublicNetwork, ct), "--public-network");
        if (bridge is not null && pub is not null && bridge.Reference == pub.Reference)
            problems.Add($"--bridge-network and --public-network are both {bridge.Name}: the bridge network must be a port group of its own");
        var containerNetworks = new List<(Network, string)>();
        var aliases = new HashSet<string>(StringComparer.Ordinal);
        foreach (string text in request.ContainerNetworks)
        {
            var (portgroup, alias) = StoreSyntax.ContainerNetwork(text);
            if (!aliases.Add(alias))
                problems.Add($"--container-network: name \"{alias}\" is given twice");
            if (await Resolve(problems, () => client.Inventory.GetNetworkAsync(dc, portgroup, ct), "--container-network") is { } net)
            {
                if (bridge is not null && net.Reference == bridge.Reference)
                    problems.Add($"--container-network {portgroup} is the bridge network");
                containerNetworks.Add((net, alias));
            }
        }
        foreach (string dns in request.DnsServers)
        {
            if (!System.Net.IPAddress.TryParse(dns, out _))
                problems.Add($"invalid --dns-server \"{dns}\": give an IP address");
        }

        problems.AddRange(AppliancePlacement.Problems(request));

        // The name must be free everywhere create will use it.
        foreach (var other in await VchFinder.ListAsync(session, ct))
        {
            if (other.Record.Name == request.Name)
                problems.Add($"a VCH named \"{request.Name}\" exists already (appliance VM {other.Appliance.Value})");
        }
        if (await client.Inventory.FindChildAsync(dc.VmFolder, request.Name, ct) is { } taken)
            problems.Add($"{dc.Path}/vm/{request.Name} exists already (a {taken.Type}): pick another name");
        if (cr is not null && await ChildPoolNamedAsync(client, cr.ResourcePool, request.Name, ct))
            problems.Add($"resource pool {crPath}/Resources/{request.Name} exists already: pick another name");
        if (imageDs is not null)
        {
            string dir = imagePath.Length == 0 ? request.Name : $"{imagePath}/{request.Name}";
            if (await client.Datastores.ExistsAsync(imageDs, dir, ct))
                problems.Add($"[{imageDs.Name}] {dir} exists already on the datastore: pick another name or remove it");
        }

        var images = LocalImages.Find(request.ContainerBaseDirectory, request.ApplianceDirectory, problems);
        if (File.Exists(request.CertPath))
            problems.Add($"--tls-cert-path {request.CertPath} is a file, not a directory");

        long mhz = cr is null ? 0 : await SlowestHostMhzAsync(client, cr, ct);
        if (problems.Count > 0)
        {
            throw new MachineException(
                $"create refused, nothing was changed ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):\n" + string.Join("\n", problems.Select(p => "  - " + p)),
                ExitCodes.InvalidArgument);
        }
        return new CreatePlan
        {
            Request = request,
            ComputeResource = cr!,
            ComputeResourcePath = crPath,
            ImageDatastore = imageDs!,
            ImagePath = imagePath,
            VolumeStores = volumeStores,
            BridgeNetwork = bridge!,
            PublicNetwork = pub!,
            ContainerNetworks = containerNetworks,
            HostCpuMhz = mhz,
            Images = images!,
        };
    }

    /// <summary>Runs a lookup; a "not found" becomes a problem naming the option instead of an exception.</summary>
    internal static async Task<T?> Resolve<T>(List<string> problems, Func<Task<T>> lookup, string option) where T : class
    {
        try
        {
            return await lookup();
        }
        catch (NotFoundException e)
        {
            problems.Add($"{option}: {e.Message}");
            return null;
        }
    }

    private static async Task<string> NameOf(VsphereClient client, ManagedObjectReference obj, CancellationToken ct) =>
        (await client.Properties.RetrieveAsync(obj, "name", ct))!.AsString();

    private static async Task<bool> ChildPoolNamedAsync(VsphereClient client, ManagedObjectReference pool, string name, CancellationToken ct)
    {
        var children = (await client.Properties.RetrieveAsync(pool, "resourcePool", ct))?.AsReferences() ?? [];
        foreach (var child in children)
        {
            if (await NameOf(client, child, ct) == name)
                return true;
        }
        return false;
    }

    /// <summary>The clock of the slowest host's CPU cores: a --cpu of N vCPUs may use N times that.</summary>
    internal static async Task<long> SlowestHostMhzAsync(VsphereClient client, ComputeResource cr, CancellationToken ct)
    {
        long slowest = long.MaxValue;
        foreach (var host in cr.Hosts)
        {
            if ((await client.Properties.RetrieveAsync(host, "summary.hardware.cpuMhz", ct))?.AsLong() is long mhz and > 0)
                slowest = Math.Min(slowest, mhz);
        }
        return slowest == long.MaxValue ? 2000 : slowest;
    }
}
