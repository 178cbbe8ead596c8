using System.Text;
using Vic.Machine.Vsphere;
using Vic.TestSupport;
using Vic.Tether.Protocol;
using Vic.Vsphere;

namespace Vic.Machine.Tests.Vsphere;

[Collection("vcsim")]
public sealed class CreateAndDeleteTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task Create_makes_the_pool_folder_directory_and_appliance_and_delete_removes_every_one()
    {
        await using var f = await VsphereFixture.StartAsync(simulator);
        var before = await f.SnapshotAsync();
        var vch = await f.CreateAsync(f.Request("vch-a"));
        var r = vch.Record;

        // The pool and its limits: --cpu 2 and --memory 4g for containers, plus the appliance's own 2 vCPUs and 2 GiB.
        var pool = await f.Client.Inventory.GetResourcePoolAsync("/DC0/host/DC0_C0/Resources/vch-a");
        Assert.Equal(r.ResourcePoolId, pool.Value);
        var (cpu, memory) = await f.Client.ResourcePools.GetAllocationAsync(pool);
        long mhz = (await f.Client.Properties.RetrieveAsync(
            (await f.Client.Inventory.GetComputeResourceAsync(f.Session.Datacenter, simulator.Description.Cluster)).Hosts[0], "summary.hardware.cpuMhz"))!.AsLong();
        Assert.Equal(4 * mhz, cpu.Limit);
        Assert.Equal(4096 + 2048, memory.Limit);
        Assert.Equal(new ManagedObjectReference("Folder", r.VmFolderId), await f.Client.Inventory.GetFolderAsync("/DC0/vm/vch-a"));
        Assert.Equal(VmPowerState.PoweredOn, vch.PowerState);
        Assert.Equal(vch.Appliance, await f.Client.Inventory.FindByPathAsync("/DC0/vm/vch-a/vch-a"));

        // The uploads arrived as they were sent.
        Assert.Equal(File.ReadAllBytes(Path.Combine(f.BaseDirectory, "vmlinuz")), await f.DownloadAsync($"{r.Images.ContainerBase}/vmlinuz"));
        byte[] flat = await f.DownloadAsync($"[LocalDS_0] vch-a/images/{r.Images.Stamp}/appliance-flat.vmdk");
        byte[] image = File.ReadAllBytes(Path.Combine(f.ApplianceDirectory, "appliance.img"));
        Assert.Equal(0, flat.Length % 512);
        Assert.Equal(image, flat[..image.Length]);
        Assert.Contains("appliance-flat.vmdk", Encoding.ASCII.GetString(await f.DownloadAsync(r.Images.ApplianceDisk!)));
        Assert.True(await f.ExistsOnDatastoreAsync("volumes/vch-a"));

        // The appliance's configuration: the tether's spec (Mode Appliance) in the guestinfo.vic.spec keys, vic-vch's
        // arguments in it, secrets sealed with the key that only the key disk holds, and not a byte of the password
        // in the clear anywhere in extraConfig.
        var spec = ApplianceSpecBuilder.Read(vch.ExtraConfig);
        Assert.Equal(VmMode.Appliance, spec.Mode);
        Assert.Equal("scsi:0:0", spec.RootDevice);
        var config = spec.Appliance!;
        Assert.Equal("scsi:1:0", config.KeyDevice);
        Assert.Contains("--resource-pool", config.VchArgs);
        Assert.Equal("/DC0/host/DC0_C0/Resources/vch-a", config.VchArgs[config.VchArgs.ToList().IndexOf("--resource-pool") + 1]);
        Assert.Equal(r.Images.ContainerBase, config.VchArgs[config.VchArgs.ToList().IndexOf("--container-base") + 1]);
        Assert.Equal("VM Network:external", config.VchArgs[config.VchArgs.ToList().IndexOf("--container-network") + 1]);
        Assert.Equal("/run/vic/secrets/vsphere-password", config.VchArgs[config.VchArgs.ToList().IndexOf("--password-file") + 1]);
        // The NICs carry manual MACs in VMware's range; the request gave no address, so the public NIC uses DHCP.
        var macs = (await f.Client.VirtualMachines.GetDevicesAsync(vch.Appliance)).OfType<VirtualNic>().Select(n => n.MacAddress).ToList();
        Assert.Equal([r.PublicMac, r.BridgeMac], macs);
        Assert.All(macs, m => Assert.True(AppliancePlacement.InManualRange(m!), $"{m} is outside 00:50:56:00:00:00-00:50:56:3F:FF:FF"));
        var nic = Assert.Single(spec.Interfaces);
        Assert.Equal((r.PublicMac, "", true, true), (nic.Mac, nic.Address, nic.Dhcp!.DefaultRoute, nic.Dhcp.Resolvers));
        Assert.DoesNotContain(vch.ExtraConfig.Values, v => v.Contains(simulator.Password, StringComparison.Ordinal));
        var key = await f.DownloadAsync("[LocalDS_0] vch-a/keys/key-flat.vmdk");
        var sealer = SecretSealer.FromKeyDisk("vch-a", key);
        Assert.Equal(simulator.Password, Encoding.UTF8.GetString(sealer.Open(config.Secrets.Single(s => s.Name == "vsphere-password"))));
        Assert.StartsWith("-----BEGIN", Encoding.UTF8.GetString(sealer.Open(config.Secrets.Single(s => s.Name == "server-key.pem"))));
        Assert.True(File.Exists(Path.Combine(r.CertPath!, "cert.pem")));

        // ls and inspect
        Assert.Contains(await VchFinder.ListAsync(f.Session, CancellationToken.None), v => v.Record.Name == "vch-a");
        var view = VsphereVchView.Of(vch);
        Assert.All(view.Secrets.Values, v => Assert.Equal("********", v));
        Assert.Equal(4, view.Secrets.Count);
        Assert.Null(view.DockerHost); // the simulator runs no guest: no address is ever reported

        await new VchDeleter(f.Session, TextWriter.Null).DeleteAsync(vch, force: false, CancellationToken.None);
        Assert.Null(await f.Client.Inventory.FindByPathAsync("/DC0/host/DC0_C0/Resources/vch-a"));
        Assert.Null(await f.Client.Inventory.FindByPathAsync("/DC0/vm/vch-a"));
        Assert.False(await f.ExistsOnDatastoreAsync("vch-a"));
        Assert.DoesNotContain(await VchFinder.ListAsync(f.Session, CancellationToken.None), v => v.Record.Name == "vch-a");
        // Only the volume store is kept (it holds users' volumes) until delete --force.
        Assert.True(await f.ExistsOnDatastoreAsync("volumes/vch-a"));
        string[] volumes = ["file volumes", "file volumes/vch-a"];
        Assert.Equal(before.Except(volumes), (await f.SnapshotAsync()).Except(volumes));
        await f.Client.Datastores.DeleteAsync(f.Session.Datacenter, DatastorePath.Parse("[LocalDS_0] volumes/vch-a"));
    }

    [Fact]
    public async Task Delete_refuses_while_a_containerVM_runs_and_removes_it_with_force()
    {
        await using var f = await VsphereFixture.StartAsync(simulator);
        var before = await f.SnapshotAsync();
        var vch = await f.CreateAsync(f.Request("vch-b") with { VolumeStores = [] });
        var pool = new ManagedObjectReference("ResourcePool", vch.Record.ResourcePoolId);
        var folder = new ManagedObjectReference("Folder", vch.Record.VmFolderId);
        // A containerVM as the backend makes them: in the VCH's pool and folder, files under the VCH's directory.
        await f.Client.Datastores.MakeDirectoryAsync(f.Session.Datacenter, DatastorePath.Parse("[LocalDS_0] vch-b/containers"));
        var container = await f.Client.VirtualMachines.CreateAsync(folder, pool, new VmConfigSpec
        {
            Name = "web-0123456789ab",
            GuestId = "otherLinux64Guest",
            VmPathName = "[LocalDS_0] vch-b/containers/web-0123456789ab/web-0123456789ab.vmx",
            NumCpus = 1,
            MemoryMb = 512,
        });
        await f.Client.VirtualMachines.PowerOnAsync(container);

        var refused = await Assert.ThrowsAsync<MachineException>(() => new VchDeleter(f.Session, TextWriter.Null).DeleteAsync(vch, force: false, CancellationToken.None));
        Assert.Equal(ExitCodes.Conflict, refused.ExitCode);
        Assert.Contains("web-0123456789ab", refused.Message);
        Assert.Equal(VmPowerState.PoweredOn, await f.Client.VirtualMachines.GetPowerStateAsync(container));
        Assert.Equal(VmPowerState.PoweredOn, await f.Client.VirtualMachines.GetPowerStateAsync(vch.Appliance));

        await new VchDeleter(f.Session, TextWriter.Null).DeleteAsync(vch, force: true, CancellationToken.None);
        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Validation_reports_every_problem_at_once_and_changes_nothing()
    {
        await using var f = await VsphereFixture.StartAsync(simulator);
        await f.CreateAsync(f.Request("vch-taken") with { VolumeStores = [] });
        var before = await f.SnapshotAsync();
        var request = f.Request("vch-taken") with
        {
            ComputeResource = "NoSuchCluster",
            ImageStore = "NoSuchDatastore",
            BridgeNetwork = "VM Network",
            ContainerNetworks = ["NoSuchPortgroup"],
            VolumeStores = ["LocalDS_0:nolabelpath", "OtherDS/volumes:default"],
            DnsServers = ["not-an-address"],
            ContainerBaseDirectory = f.Root + "/missing",
            CertPath = f.Root + "/certs-refused",
        };
        var error = await Assert.ThrowsAsync<MachineException>(() => CreateValidator.ValidateAsync(f.Session, request, TextWriter.Null, CancellationToken.None));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
        foreach (string expected in new[]
        {
            "compute resource /DC0/host/NoSuchCluster not found", "datastore /DC0/datastore/NoSuchDatastore not found",
            "--bridge-network and --public-network are both VM Network", "network /DC0/network/NoSuchPortgroup not found",
            "invalid --volume-store \"LocalDS_0:nolabelpath\"", "datastore /DC0/datastore/OtherDS not found", "invalid --dns-server \"not-an-address\"",
            "a VCH named \"vch-taken\" exists already", "/DC0/vm/vch-taken exists already", "container base not found",
        })
        {
            Assert.Contains(expected, error.Message);
        }
        Assert.StartsWith("create refused, nothing was changed (10 problems)", error.Message);
        Assert.Equal(before, await f.SnapshotAsync());
        Assert.False(Directory.Exists(request.CertPath));
        await new VchDeleter(f.Session, TextWriter.Null).DeleteAsync(await f.FindAsync("vch-taken"), force: true, CancellationToken.None);
    }

    [Theory]
    [InlineData("folder")]
    [InlineData("directory")]
    [InlineData("images")]
    [InlineData("key-disk")]
    [InlineData("vm")]
    [InlineData("power-on")]
    public async Task A_create_failing_part_way_leaves_the_inventory_and_datastore_as_they_were(string failingStep)
    {
        await using var f = await VsphereFixture.StartAsync(simulator);
        var before = await f.SnapshotAsync();
        var request = f.Request("vch-rb-" + failingStep);
        var plan = await CreateValidator.ValidateAsync(f.Session, request, TextWriter.Null, CancellationToken.None);
        var progress = new StringWriter();
        var creator = new VchCreator(f.Session, progress)
        {
            BeforeStep = step => step == failingStep ? throw new InvalidOperationException($"injected failure before {step}") : Task.CompletedTask,
        };
        var error = await Assert.ThrowsAsync<MachineException>(() => creator.CreateAsync(plan, CancellationToken.None));
        Assert.Contains($"injected failure before {failingStep}", error.Message);
        Assert.Contains("rolled back", error.Message);
        Assert.Equal(before, await f.SnapshotAsync());
        Assert.False(Directory.Exists(request.CertPath), "the client certificates were written and must be gone");
    }

    [Fact]
    public void Sealed_secrets_open_only_with_their_key_and_under_their_own_name()
    {
        var sealer = SecretSealer.CreateNew("vch");
        var secret = sealer.Seal("vsphere-password", "s3cret"u8);
        Assert.Equal("s3cret"u8.ToArray(), SecretSealer.FromKeyDisk("vch", sealer.KeyDisk()).Open(secret));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => SecretSealer.CreateNew("vch").Open(secret));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => sealer.Open(secret with { Name = "other" }));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => new SecretSealer("other-vch", sealer.KeyDisk()[8..40]).Open(secret));
        Assert.DoesNotContain("s3cret", Encoding.UTF8.GetString(Convert.FromBase64String(secret.Sealed)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_appliance_document_is_a_guestinfo_document_and_a_rewrite_clears_stale_chunks()
    {
        var vch = new VsphereVch
        {
            Name = "v", Version = "1", Created = DateTimeOffset.UnixEpoch, Target = "https://vc/DC0", User = "u", ComputeResource = "/DC0/host/C",
            ResourcePool = "/DC0/host/C/Resources/v", ResourcePoolId = "resgroup-1", VmFolder = "/DC0/vm/v", VmFolderId = "group-1",
            ImageStore = "ds", VchDirectory = "[ds] v", BridgeNetwork = "b", PublicNetwork = "p",
            Images = new ImageSet("1-abc", "1", "[ds] v/images/1-abc/container-base", null),
        };
        // Random (incompressible) secrets make the document span several chunks.
        var big = ApplianceSpecBuilder.Spec(vch, Enumerable.Range(0, 8).Select(i => new SealedSecret($"s{i}", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3000)))).ToList());
        var first = ApplianceSpecBuilder.ExtraConfig(vch, big);
        Assert.True(int.Parse(first[GuestInfo.Key("spec", "chunks")], System.Globalization.CultureInfo.InvariantCulture) > 2);
        var small = ApplianceSpecBuilder.ExtraConfig(vch, ApplianceSpecBuilder.Spec(vch, []), first);
        // What the VM holds after the second write: vSphere removes a key given an empty value.
        var merged = first.Concat(small).GroupBy(kv => kv.Key).Select(g => g.Last()).Where(kv => kv.Value.Length > 0).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Empty(ApplianceSpecBuilder.Read(merged).Appliance!.Secrets);
        Assert.Equal("1", merged[GuestInfo.Key("spec", "chunks")]);
        Assert.Contains(VsphereVch.MarkerKey, merged.Keys);
    }
}
