using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Vic.TestSupport;
using Vic.Tether.Protocol;
using Vic.Vsphere;
using Xunit.Abstractions;

namespace Vic.Integration.Tests;

/// <summary>
/// vSphere end to end: <c>vic-machine create --target</c> against the vCenter simulator makes the VCH's pool, folder,
/// uploads and appliance VM (which the simulator does not boot); then the real appliance image boots under QEMU with
/// exactly the guestinfo vic-machine wrote into that VM's extraConfig (over fw_cfg, as the tether reads it on QEMU),
/// its disks where vSphere puts them (SCSI unit 0 the appliance image, unit 1 the key disk) and its NIC's MAC. QEMU's
/// user-mode network carries the appliance's vic-vch to the simulator (a guestfwd address forwarded to the host's
/// loopback) and the Docker API back to a loopback port. Containers made through it are VMs in the simulator.
/// </summary>
public sealed class VsphereApplianceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ApiDeadline = TimeSpan.FromMinutes(6);

    /// <summary>Where the appliance reaches the simulator: an address on QEMU's user network that a guestfwd rule
    /// forwards to the simulator's loopback port (nothing else leaves the VM: restrict=on).</summary>
    private const string SimulatorGuestAddress = "10.0.2.100";

    [ApplianceFact]
    public async Task Vic_machine_creates_the_vch_the_appliance_serves_docker_and_containers_are_vms_in_vcenter()
    {
        using var simulator = new VcenterSimulator();
        string work = Directory.CreateTempSubdirectory("vic-vsphere-e2e-").FullName;
        string certs = Path.Combine(work, "certs");
        int simPort = simulator.Url.Port;
        string target = $"https://127.0.0.1:{simPort}/DC0";
        var vsphereEnv = new Dictionary<string, string>
        {
            ["VIC_VSPHERE_USER"] = simulator.Username,
            ["VIC_VSPHERE_PASSWORD"] = simulator.Password,
            ["VIC_HOME"] = work,
        };
        Qemu? appliance = null;
        try
        {
            // 1. vic-machine create, as an admin would run it (--no-wait: the simulator boots nothing, QEMU does below).
            var create = await Shell.RunAsync(RepoPaths.Machine,
            [
                "create", "--target", target, "--thumbprint", simulator.Thumbprint, "--name", "vch1",
                "--compute-resource", simulator.Description.Cluster!, "--image-store", "LocalDS_0", "--bridge-network", "DC0_DVPG0",
                "--public-network", "VM Network", "--public-network-ip", "10.0.2.15/24", "--public-network-gateway", "10.0.2.2",
                "--dns-server", "10.0.2.3", "--appliance-target", $"https://{SimulatorGuestAddress}:{simPort}/DC0",
                "--tls-cname", "127.0.0.1", "--tls-cert-path", certs, "--appliance-dir", ApplianceFactAttribute.ApplianceDir,
                "--container-base", RepoPaths.ContainerBase, "--no-wait",
            ], vsphereEnv, timeout: TimeSpan.FromMinutes(3));
            Assert.True(create.ExitCode == 0, $"vic-machine create failed: {create}");

            await using var vc = await VsphereClient.ConnectAsync(new VsphereClientOptions
                { Url = simulator.Url, Username = simulator.Username, Password = simulator.Password, Thumbprint = simulator.Thumbprint });
            var applianceVm = await vc.Inventory.FindByPathAsync("/DC0/vm/vch1/vch1") ?? throw new InvalidOperationException("no appliance VM /DC0/vm/vch1/vch1");
            var pool = await vc.Inventory.GetResourcePoolAsync($"{simulator.Description.Cluster}/Resources/vch1");

            // 2. What vSphere would hand the guest: the VM's guestinfo.* keys, and its disks.
            var extraConfig = await vc.VirtualMachines.GetExtraConfigAsync(applianceVm);
            var guestInfo = extraConfig.Where(kv => kv.Key.StartsWith("guestinfo.", StringComparison.Ordinal)).ToList();
            VmSpec spec = GuestInfoSpec.Decode(guestInfo.ToDictionary());
            Assert.Equal(VmMode.Appliance, spec.Mode);
            Assert.DoesNotContain(extraConfig.Values, v => v.Contains(simulator.Password, StringComparison.Ordinal));
            string mac = spec.Interfaces.Single().Mac;
            Assert.Matches("^00:50:56:[0-3]", mac);
            string guestInfoFile = Path.Combine(work, "guestinfo.vmx");
            await File.WriteAllTextAsync(guestInfoFile, GuestInfoText.Format(guestInfo));
            string keyDisk = Path.Combine(work, "key-flat.vmdk");
            await using (var file = File.Create(keyDisk))
                await vc.Datastores.DownloadAsync(await vc.Inventory.GetDatacenterAsync("/DC0"), DatastorePath.Parse("[LocalDS_0] vch1/keys/key-flat.vmdk"), file);

            // 3. Boot it.
            int dockerPort = FreePort();
            appliance = Qemu.Start(work, guestInfoFile, keyDisk, mac, dockerPort, simPort);
            var dockerEnv = new Dictionary<string, string>
            {
                ["DOCKER_HOST"] = $"tcp://127.0.0.1:{dockerPort}",
                ["DOCKER_TLS_VERIFY"] = "1",
                ["DOCKER_CERT_PATH"] = certs,
            };
            var clock = Stopwatch.StartNew();
            CommandResult version = new(-1, "", "");
            while (clock.Elapsed < ApiDeadline && !appliance.HasExited)
            {
                version = await Shell.RunAsync("docker", ["version", "--format", "{{.Server.Os}}"], dockerEnv, timeout: TimeSpan.FromSeconds(30));
                if (version.ExitCode == 0)
                    break;
                await Task.Delay(2000);
            }
            Assert.True(version.ExitCode == 0, $"the appliance's Docker API did not answer (mutual TLS) within {ApiDeadline}: {version}\n{appliance.Describe()}");
            output.WriteLine($"QEMU start to the appliance's Docker API answering over mutual TLS: {clock.Elapsed.TotalSeconds:0.0} s");
            Task<CommandResult> Docker(params string[] args) => Shell.RunAsync("docker", args, dockerEnv, timeout: TimeSpan.FromMinutes(3));

            // 4. An image: its layer is applied by an applier VM, whose guest the simulator cannot run; played openly.
            using var applierGuest = new CancellationTokenSource();
            Task appliers = PlayAppliersAsync(vc, pool, applierGuest.Token);
            string busybox = Path.Combine(work, "busybox.tar");
            var image = await Shell.RunAsync("bash", [Path.Combine(RepoPaths.Scripts, "make-busybox-image.sh"), busybox, "busybox:latest"]);
            Assert.True(image.ExitCode == 0, image.ToString());
            var load = await Docker("load", "-i", busybox);
            Assert.True(load.ExitCode == 0, $"docker load through the appliance: {load}\n{appliance.Describe()}");

            // 5. create and start: a VM in the VCH's pool carrying the container's spec, powered on.
            var created = await Docker("create", "--name", "web", "busybox", "sleep", "1000");
            Assert.True(created.ExitCode == 0, $"docker create: {created}\n{appliance.Describe()}");
            string id = created.Stdout.Trim();
            string vmName = $"web-{id[..12]}";
            var vm = await FindVmAsync(vc, pool, vmName);
            Assert.NotNull(vm);
            VmSpec containerSpec = GuestInfoSpec.Decode(await vc.VirtualMachines.GetExtraConfigAsync(vm!));
            Assert.Equal(VmMode.Container, containerSpec.Mode);
            Assert.Equal(id, containerSpec.Id);
            Assert.Equal(["sleep", "1000"], containerSpec.Process!.Args);
            Assert.Equal(VmPowerState.PoweredOff, await vc.VirtualMachines.GetPowerStateAsync(vm!));

            var started = await Docker("start", "web");
            Assert.True(started.ExitCode == 0, $"docker start: {started}");
            Assert.Equal(VmPowerState.PoweredOn, await vc.VirtualMachines.GetPowerStateAsync(vm!));
            var ps = await Docker("ps", "--format", "{{.Names}} {{.Status}}");
            Assert.StartsWith("web Up", ps.Stdout.Trim());

            var removed = await Docker("rm", "-f", "web");
            Assert.True(removed.ExitCode == 0, $"docker rm -f: {removed}");
            Assert.Null(await FindVmAsync(vc, pool, vmName));
            Assert.Equal("", (await Docker("ps", "-a", "--format", "{{.Names}}")).Stdout.Trim());
            await applierGuest.CancelAsync();
            await appliers;

            // 6. The appliance goes down with its VM; delete removes everything create made.
            await appliance.DisposeAsync();
            appliance = null;
            var delete = await Shell.RunAsync(RepoPaths.Machine, ["delete", "--target", target, "--thumbprint", simulator.Thumbprint, "--name", "vch1"],
                vsphereEnv, timeout: TimeSpan.FromMinutes(2));
            Assert.True(delete.ExitCode == 0, $"vic-machine delete: {delete}");
            Assert.Null(await vc.Inventory.FindByPathAsync("/DC0/vm/vch1"));
            Assert.Null(await vc.Inventory.FindByPathAsync($"{simulator.Description.Cluster}/Resources/vch1"));
            var ls = await Shell.RunAsync(RepoPaths.Machine, ["ls", "--target", target, "--thumbprint", simulator.Thumbprint], vsphereEnv);
            Assert.DoesNotContain("vch1", ls.Stdout);
        }
        finally
        {
            if (appliance is not null)
                await appliance.DisposeAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<ManagedObjectReference?> FindVmAsync(VsphereClient vc, ManagedObjectReference pool, string name)
    {
        var vms = await vc.Properties.RetrieveAsync(PropertyFilter.VmsInPool(pool, "name"));
        return vms.FirstOrDefault(v => v["name"]!.AsString() == name)?.Object;
    }

    /// <summary>The layer-applier VMs' guest, which the simulator cannot run: each powers itself off when done.</summary>
    private static async Task PlayAppliersAsync(VsphereClient vc, ManagedObjectReference pool, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var vms = await vc.Properties.RetrieveAsync(PropertyFilter.VmsInPool(pool, "name", "runtime.powerState"), ct);
                foreach (var vm in vms.Where(v => v["name"]!.AsString().StartsWith("vic-apply-", StringComparison.Ordinal) && v["runtime.powerState"]!.AsString() == "poweredOn"))
                    await vc.VirtualMachines.PowerOffAsync(vm.Object, ct);
                await Task.Delay(200, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (VsphereFault)
            {
                // The VCH destroyed the VM meanwhile; look again.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The appliance VM under QEMU: microvm with virtio-scsi, so its disks get the /dev/sdX names vSphere's
    /// controller gives them (the spec names them by SCSI address); the log channel on virtio-serial (a file here).</summary>
    private sealed class Qemu : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _console = new();
        private readonly string _logPath;

        private Qemu(Process process, string logPath)
        {
            _process = process;
            _logPath = logPath;
        }

        public bool HasExited => _process.HasExited;

        public static Qemu Start(string work, string guestInfo, string keyDisk, string mac, int dockerPort, int simPort)
        {
            string dir = ApplianceFactAttribute.ApplianceDir;
            string logPath = Path.Combine(work, "appliance-log.bin");
            var psi = new ProcessStartInfo("qemu-system-x86_64") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (string arg in (string[])
            [
                "-M", "microvm,isa-serial=on,rtc=on", "-accel", "tcg", "-cpu", "max", "-m", "1536", "-smp", "2", "-nographic", "-no-reboot",
                "-kernel", Path.Combine(dir, "vmlinuz"), "-initrd", Path.Combine(dir, "initramfs.cpio"),
                "-append", $"console=ttyS0 panic=-1 tsc=reliable no_timer_check tsc_early_khz={HostTscKhz()} quiet vic.debug",
                "-fw_cfg", $"name={Channels.GuestInfoFwCfgName},file={guestInfo}",
                "-device", "virtio-serial-device",
                "-chardev", $"file,id=vlog,path={logPath}",
                "-device", $"virtserialport,chardev=vlog,name={Channels.LogPort}",
                "-device", "virtio-scsi-device,id=scsi0",
                "-drive", $"id=app,file={Path.Combine(dir, "appliance.img")},format=raw,if=none,readonly=on",
                "-device", "scsi-hd,drive=app,bus=scsi0.0,channel=0,scsi-id=0,lun=0",
                "-drive", $"id=key,file={keyDisk},format=raw,if=none,readonly=on",
                "-device", "scsi-hd,drive=key,bus=scsi0.0,channel=0,scsi-id=1,lun=0",
                "-device", "virtio-rng-device",
                // restrict=on: the guest reaches nothing but the two forwards. Each guest connection to the simulator's
                // address starts a socat to the simulator's loopback port.
                "-netdev", $"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{dockerPort}-:2376," +
                    $"guestfwd=tcp:{SimulatorGuestAddress}:{simPort}-cmd:socat - TCP:127.0.0.1:{simPort}",
                "-device", $"virtio-net-device,netdev=n0,mac={mac}",
            ])
            {
                psi.ArgumentList.Add(arg);
            }
            var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start qemu-system-x86_64");
            var vm = new Qemu(process, logPath);
            process.OutputDataReceived += (_, e) => vm.Append(e.Data);
            process.ErrorDataReceived += (_, e) => vm.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return vm;
        }

        private void Append(string? line)
        {
            lock (_console)
                _console.AppendLine(line);
        }

        /// <summary>The console and the printable text of the log channel (vic-vch's output, the tether's records).</summary>
        public string Describe()
        {
            string log = File.Exists(_logPath) ? Regex.Replace(Encoding.UTF8.GetString(File.ReadAllBytes(_logPath)), @"[^\x20-\x7e\n]+", " ") : "(no log)";
            lock (_console)
                return $"--- appliance log channel ---\n{Tail(log)}\n--- console ---\n{Tail(_console.ToString())}";
        }

        private static string Tail(string text) => text.Length <= 12000 ? text : text[^12000..];

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private static int HostTscKhz()
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("cpu MHz", StringComparison.Ordinal))
                    return (int)(double.Parse(line[(line.IndexOf(':') + 1)..], CultureInfo.InvariantCulture) * 1000);
            }
            return 0;
        }
    }
}

/// <summary>
/// Runs only where the simulator and the appliance image have been built (scripts/build.sh builds both; CI does):
/// otherwise skipped, saying which is missing and why it could not be built here.
/// </summary>
internal sealed class ApplianceFactAttribute : FactAttribute
{
    public static string ApplianceDir => Path.Combine(RepoPaths.Root, "out", "appliance");

    public ApplianceFactAttribute()
    {
        if (!File.Exists(VcenterSimulator.Binary))
            Skip = $"{VcenterSimulator.Binary} is missing: scripts/build-vcsim.sh builds it from Debian's golang-go and golang-github-vmware-govmomi-dev";
        else if (!File.Exists(Path.Combine(ApplianceDir, "appliance.img")))
            Skip = $"{ApplianceDir}/appliance.img is missing: scripts/build-appliance.sh builds it (after the container base)";
        else if (!File.Exists(Path.Combine(RepoPaths.ContainerBase, "container-base.iso")))
            Skip = $"{RepoPaths.ContainerBase}/container-base.iso is missing: scripts/build-container-base.sh makes it with Debian's xorriso and isolinux";
    }
}
