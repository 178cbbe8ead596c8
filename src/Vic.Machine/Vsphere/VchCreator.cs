using System.Net;
using System.Text;
using Vic.Machine.Tls;
using Vic.Tether.Protocol;
using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Makes a validated VCH on vSphere, one reported step at a time: client certificates, VM folder, resource pool
/// (with the limits), datastore directory and volume stores, the uploaded images, the key disk, the appliance VM
/// with its configuration in extraConfig, power-on. Every step registers its undo first; a failure runs them all,
/// newest first, so the inventory and datastores are as they were.
/// </summary>
internal sealed class VchCreator(VsphereSession session, TextWriter progress)
{
    /// <summary>Called with each step's name before it runs; tests make a step fail by throwing here.</summary>
    public Func<string, Task>? BeforeStep { get; init; }

    public async Task<CreatedVch> CreateAsync(CreatePlan plan, CancellationToken ct)
    {
        var client = session.Client;
        var dc = session.Datacenter;
        var request = plan.Request;
        var rollback = new Rollback(progress);
        var vchDir = plan.VchDirectory;
        try
        {
            await Step("certificates");
            var certificates = WriteCertificates(request, rollback);

            await Step("folder");
            progress.WriteLine($"Creating VM folder {dc.Path}/vm/{request.Name}");
            var folder = await client.Folders.CreateAsync(dc.VmFolder, request.Name, ct);
            rollback.Add($"remove VM folder {request.Name}", () => client.Folders.DestroyAsync(folder, CancellationToken.None));

            await Step("pool");
            long cpuLimit = request.Cpus is int cpus ? (cpus + request.ApplianceCpus) * plan.HostCpuMhz : -1;
            long memoryLimit = request.MemoryBytes is long memory ? memory / (1024 * 1024) + request.ApplianceMemoryMb : -1;
            progress.WriteLine($"Creating resource pool {plan.ComputeResourcePath}/Resources/{request.Name} (CPU limit {Limit(cpuLimit, "MHz")}, memory limit {Limit(memoryLimit, "MB")})");
            var pool = await client.ResourcePools.CreateAsync(plan.ComputeResource.ResourcePool, request.Name,
                new ResourceAllocation { Limit = cpuLimit }, new ResourceAllocation { Limit = memoryLimit }, ct);
            rollback.Add($"remove resource pool {request.Name}", () => client.ResourcePools.DestroyAsync(pool, CancellationToken.None));

            await Step("directory");
            progress.WriteLine($"Creating datastore directory {vchDir}");
            await client.Datastores.MakeDirectoryAsync(dc, vchDir, createParents: true, ct);
            rollback.Add($"remove datastore directory {vchDir}", () => client.Datastores.DeleteAsync(dc, vchDir, CancellationToken.None));
            var createdStores = new List<string>();
            foreach (var store in plan.VolumeStores.Where(s => !s.Exists))
            {
                progress.WriteLine($"Creating volume store {store.Label} at {store.Directory}");
                await client.Datastores.MakeDirectoryAsync(dc, store.Directory, createParents: true, ct);
                createdStores.Add(store.Directory.ToString());
                rollback.Add($"remove volume store directory {store.Directory}", () => client.Datastores.DeleteAsync(dc, store.Directory, CancellationToken.None));
            }

            await Step("images");
            var images = await ImageUploader.UploadAsync(session, plan.ImageDatastore, vchDir, plan.Images, progress, ct);

            await Step("key-disk");
            var sealer = SecretSealer.CreateNew(request.Name);
            await UploadKeyDiskAsync(vchDir, sealer, ct);

            var record = new VsphereVch
            {
                Name = request.Name,
                Version = Layout.Version,
                Created = DateTimeOffset.UtcNow,
                Target = session.Target.Display,
                Thumbprint = session.Target.Thumbprint,
                User = session.Target.User,
                ComputeResource = plan.ComputeResourcePath,
                ResourcePool = $"{plan.ComputeResourcePath}/Resources/{request.Name}",
                ResourcePoolId = pool.Value,
                VmFolder = $"{dc.Path}/vm/{request.Name}",
                VmFolderId = folder.Value,
                ImageStore = plan.ImagePath.Length == 0 ? plan.ImageDatastore.Name : $"{plan.ImageDatastore.Name}/{plan.ImagePath}",
                VchDirectory = vchDir.ToString(),
                VolumeStores = plan.VolumeStores.Select(s => $"{s.Datastore.Name}/{s.Directory.Path}:{s.Label}").ToList(),
                CreatedVolumeStores = createdStores,
                BridgeNetwork = plan.BridgeNetwork.Name,
                PublicNetwork = plan.PublicNetwork.Name,
                ContainerNetworks = plan.ContainerNetworks.Select(c => c.Alias == c.Network.Name ? c.Network.Name : $"{c.Network.Name}:{c.Alias}").ToList(),
                DnsServers = request.DnsServers.ToList(),
                PublicMac = AppliancePlacement.NewMac(),
                BridgeMac = AppliancePlacement.NewMac(),
                PublicIp = request.PublicIp,
                PublicGateway = request.PublicGateway,
                ApplianceTarget = request.ApplianceTarget,
                MaxContainers = request.MaxContainers,
                MemoryBytes = request.MemoryBytes,
                Cpus = request.Cpus,
                CpuLimitMhz = cpuLimit,
                ApplianceCpus = request.ApplianceCpus,
                ApplianceMemoryMb = request.ApplianceMemoryMb,
                TlsMode = request.TlsMode,
                TlsCnames = request.TlsCnames.ToList(),
                CertPath = request.TlsMode == TlsMode.Off ? null : request.CertPath,
                Images = images,
            };
            var secrets = new List<SealedSecret> { sealer.Seal(ApplianceSpecBuilder.PasswordSecret, Encoding.UTF8.GetBytes(session.Target.Password)) };
            if (certificates is not null)
            {
                secrets.Add(sealer.Seal("server-cert.pem", File.ReadAllBytes(certificates.ServerCertFile)));
                secrets.Add(sealer.Seal("server-key.pem", File.ReadAllBytes(certificates.ServerKeyFile)));
                if (request.TlsMode == TlsMode.Verify)
                    secrets.Add(sealer.Seal("client-ca.pem", File.ReadAllBytes(certificates.ClientCaBundleFile)));
            }
            var spec = ApplianceSpecBuilder.Spec(record, secrets);

            await Step("vm");
            progress.WriteLine($"Creating appliance VM {request.Name} ({request.ApplianceCpus} vCPUs, {request.ApplianceMemoryMb} MB) in {record.VmFolder}");
            var vm = await client.VirtualMachines.CreateAsync(folder, pool, ApplianceVm.CreateSpec(plan, record, images, ApplianceSpecBuilder.ExtraConfig(record, spec)), cancellationToken: ct);
            rollback.Add($"remove appliance VM {request.Name}", () => DestroyVmAsync(client, vm));

            await Step("power-on");
            progress.WriteLine($"Powering on appliance VM {request.Name}");
            await client.VirtualMachines.PowerOnAsync(vm, cancellationToken: ct);
            return new CreatedVch(vm, record);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            progress.WriteLine($"Create failed ({e.Message.Split('\n')[0]}): removing what it made for VCH {request.Name}");
            var left = await rollback.RunAsync();
            if (left.Count > 0)
            {
                throw new MachineException($"create failed: {e.Message}\nand rolling back left behind:\n" + string.Join("\n", left.Select(l => "  - " + l)),
                    ExitCodes.Failure);
            }
            if (e is MachineException)
                throw;
            throw new MachineException($"create failed and was rolled back, nothing is left of VCH {request.Name}: {e.Message}", ExitCodes.Failure);
        }

        async Task Step(string name)
        {
            ct.ThrowIfCancellationRequested();
            if (BeforeStep is { } hook)
                await hook(name);
        }
    }

    /// <summary>Powers the VM off when on, then destroys it with its files.</summary>
    public static async Task DestroyVmAsync(VsphereClient client, ManagedObjectReference vm)
    {
        if (await client.VirtualMachines.GetPowerStateAsync(vm) != VmPowerState.PoweredOff)
            await client.VirtualMachines.PowerOffAsync(vm);
        await client.VirtualMachines.DestroyAsync(vm);
    }

    private async Task UploadKeyDiskAsync(DatastorePath vchDir, SecretSealer sealer, CancellationToken ct)
    {
        var client = session.Client;
        var descriptor = ApplianceVm.KeyDisk(vchDir);
        progress.WriteLine($"Uploading the appliance's key disk to {descriptor}");
        await client.Datastores.MakeDirectoryAsync(session.Datacenter, vchDir.Combine("keys"), createParents: true, ct);
        using (var disk = new MemoryStream(sealer.KeyDisk()))
            await client.Datastores.UploadAsync(session.Datacenter, vchDir.Combine("keys/key-flat.vmdk"), disk, ct);
        using var text = new MemoryStream(Encoding.ASCII.GetBytes(FlatDisk.Descriptor("key-flat.vmdk", SecretSealer.KeyDiskBytes)));
        await client.Datastores.UploadAsync(session.Datacenter, descriptor, text, ct);
    }

    /// <summary>The client and server certificates in --tls-cert-path; the files put back as they were on rollback.</summary>
    private CertificateDirectory? WriteCertificates(CreateRequest request, Rollback rollback)
    {
        if (request.TlsMode == TlsMode.Off)
        {
            progress.WriteLine("WARNING: --no-tls: the Docker API has NO TLS; anyone who can reach the appliance's port controls this VCH");
            return null;
        }
        var names = request.TlsCnames.Count > 0 ? request.TlsCnames : [request.Name];
        if (request.TlsCnames.Count == 0)
            progress.WriteLine($"WARNING: no --tls-cname: the server certificate names only \"{request.Name}\"; give the DNS name or address clients use");
        var certs = new CertificateDirectory(request.CertPath);
        var plan = certs.Plan(new TlsRequest
        {
            VchName = request.Name,
            CertPath = certs.Path,
            Mode = request.TlsMode,
            DnsNames = names.Where(n => !IPAddress.TryParse(n, out _)).ToList(),
            Addresses = names.Where(n => IPAddress.TryParse(n, out _)).Select(IPAddress.Parse).ToList(),
        }, DateTimeOffset.UtcNow);
        var snapshot = FileSnapshot.Take(certs.AllFiles);
        rollback.Add($"restore the certificates in {certs.Path}", () =>
        {
            snapshot.Restore();
            return Task.CompletedTask;
        });
        foreach (string note in plan.Notes)
            progress.WriteLine($"TLS: {note}");
        certs.Write(plan);
        progress.WriteLine($"TLS: certificates in {certs.Path}");
        return certs;
    }

    private static string Limit(long value, string unit) => value < 0 ? "none" : $"{value} {unit}";
}

/// <summary>The appliance VM create made, and the record it carries.</summary>
internal sealed record CreatedVch(ManagedObjectReference Appliance, VsphereVch Record);
