using System.Text.Json;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Vm;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// A throwaway VM in mode Files on a container's disk (and optionally its image's top layer, read-only): the tether
/// serves file sessions on its control channel until <see cref="DisposeAsync"/> sends PowerOff. Its work directory
/// is a ".tmp-*" directory under containers/, removed when it ends (and swept at startup after a crash). For docker cp
/// of a stopped container it also gets the container's volumes and bind mounts, which its tether mounts at their
/// targets as a container start would.
/// </summary>
internal sealed class FilesVm : IAsyncDisposable
{
    private static readonly TimeSpan SocketWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PowerOffWait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan OverlayWait = TimeSpan.FromSeconds(30);
    private const long MemoryMiB = 256;
    private readonly string _work;
    private readonly Task<ToolResult> _run;
    private readonly CancellationTokenSource _kill;
    private bool _quitByQemu;

    private FilesVm(string work, Task<ToolResult> run, CancellationTokenSource kill)
    {
        _work = work;
        _run = run;
        _kill = kill;
        Channel = new ControlChannel(work);
    }

    public ControlChannel Channel { get; }

    /// <summary>Boots the VM and returns once its control socket exists (the guest reads frames as soon as it is up).</summary>
    public static async Task<FilesVm> StartAsync(QemuBackendOptions options, DatastoreLayout layout, QemuLauncher launcher, AcceleratorProbe accelerator,
        string id, string containerDisk, string? lowerDisk, bool diskInUse, VmMounts mounts, CancellationToken cancellationToken)
    {
        // Volume disks are named from /dev/vdb on (VmMounts): there is no room for the image's layer before them.
        if (lowerDisk is not null && mounts != VmMounts.None)
            throw new ArgumentException("a Files VM with the image's layer takes no mounts", nameof(mounts));
        string accel = await accelerator.GetAsync().WaitAsync(cancellationToken);
        string work = DatastoreLayout.NewTempDir(layout.ContainersDir);
        Directory.CreateDirectory(work);
        var kill = new CancellationTokenSource();
        var daemons = new List<System.Diagnostics.Process>();
        try
        {
            TransferSpec transfer = TransferDiskFile.SpecFor(TransferDiskFile.DeviceAfter((lowerDisk is null ? 1 : 2) + mounts.Disks.Count));
            string transferFile = TransferDiskFile.Create(work, transfer);
            var spec = new VmSpec
            {
                Transfer = transfer,
                Mode = VmMode.Files,
                Id = id,
                HostTimeUnixMs = options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
                RootDevice = "/dev/vda",
                Files = new FilesSpec { RootReadOnly = diskInUse, LowerDevice = lowerDisk is null ? "" : "/dev/vdb" },
                Mounts = mounts.Mounts,
            };
            await File.WriteAllBytesAsync(Path.Combine(work, DatastoreLayout.SpecFile),
                JsonSerializer.SerializeToUtf8Bytes(spec, ProtocolJson.Default.VmSpec), cancellationToken);
            var disks = new List<VmDisk> { new(containerDisk, "qcow2", ReadOnly: diskInUse, ForceShare: diskInUse) };
            if (lowerDisk is not null)
                disks.Add(new VmDisk(lowerDisk, "qcow2", ReadOnly: true, ForceShare: diskInUse));
            disks.AddRange(mounts.Disks);
            // Each virtiofsd ends by itself when QEMU disconnects, as beside a container's VM.
            for (int i = 0; i < mounts.Shares.Count; i++)
                daemons.Add(await Virtiofsd.StartAsync(options.VirtiofsdBinary, work, mounts.Shares[i].Socket, mounts.ShareSources[i], cancellationToken));
            return await LaunchAsync(options, layout, launcher, accel, work, kill, $"vic-files-{id[..Math.Min(12, id.Length)]}", options.FilesVmTimeout, disks, mounts.Shares, transferFile, cancellationToken);
        }
        catch
        {
            if (!kill.IsCancellationRequested)
            {
                await kill.CancelAsync();
            }
            daemons.ForEach(Virtiofsd.Stop);
            DatastoreLayout.TryDeleteDirectory(work);
            throw;
        }
    }

    /// <summary>
    /// Boots a Layers VM (<see cref="VmMode.Layers"/>) in <paramref name="work"/> (a fresh directory, removed when the VM
    /// ends) on <paramref name="disk"/>, the first layer's new overlay: it applies layer tars sent as ApplyLayer sessions.
    /// </summary>
    public static async Task<FilesVm> StartLayersAsync(QemuBackendOptions options, DatastoreLayout layout, QemuLauncher launcher, AcceleratorProbe accelerator,
        string work, string disk, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        string accel = await accelerator.GetAsync().WaitAsync(cancellationToken);
        var kill = new CancellationTokenSource();
        try
        {
            TransferSpec transfer = TransferDiskFile.SpecFor(TransferDiskFile.DeviceAfter(1));
            string transferFile = TransferDiskFile.Create(work, transfer);
            var spec = new VmSpec
            {
                Transfer = transfer,
                Mode = VmMode.Layers,
                Id = Path.GetFileName(work),
                HostTimeUnixMs = options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
                RootDevice = "/dev/vda",
            };
            await File.WriteAllBytesAsync(Path.Combine(work, DatastoreLayout.SpecFile),
                JsonSerializer.SerializeToUtf8Bytes(spec, ProtocolJson.Default.VmSpec), cancellationToken);
            FilesVm vm = await LaunchAsync(options, layout, launcher, accel, work, kill, "vic-layers", lifetime, [new VmDisk(disk, "qcow2", ReadOnly: false)], [], transferFile, cancellationToken);
            vm._quitByQemu = true;
            return vm;
        }
        catch
        {
            if (!kill.IsCancellationRequested)
            {
                await kill.CancelAsync();
            }
            DatastoreLayout.TryDeleteDirectory(work);
            throw;
        }
    }

    /// <summary>
    /// Makes the VM's root disk a read-only backing file under <paramref name="overlay"/>, an existing qcow2 whose header
    /// already names the disk's final path as its backing file: the guest's writes go to the overlay from now on (QMP
    /// blockdev-snapshot-sync, mode existing, which takes the file as it is).
    /// </summary>
    public async Task PutOverlayAsync(string overlay, CancellationToken cancellationToken)
    {
        var arguments = new System.Text.Json.Nodes.JsonObject
        {
            ["device"] = "disk0",
            ["snapshot-file"] = overlay,
            ["format"] = "qcow2",
            ["mode"] = "existing",
        };
        if (await QmpClient.ExecuteAsync(_work, "blockdev-snapshot-sync", OverlayWait, cancellationToken, arguments) is null)
            throw new InternalException("QEMU did not put the next layer's overlay on the layer VM's disk (QMP blockdev-snapshot-sync failed)");
    }

    private static async Task<FilesVm> LaunchAsync(QemuBackendOptions options, DatastoreLayout layout, QemuLauncher launcher, string accel, string work, CancellationTokenSource kill,
        string name, TimeSpan lifetime, List<VmDisk> disks, IReadOnlyList<VmShare> shares, string transferFile, CancellationToken cancellationToken)
    {
        var vm = new VmLaunch
        {
            Directory = work,
            Name = name,
            Kernel = layout.Kernel,
            Initramfs = layout.Initramfs,
            MemoryMiB = MemoryMiB,
            Cpus = 1,
            Accelerator = accel,
            TcgTranslationCacheMiB = options.TcgTranslationCacheMiB,
            TscKhz = HostTsc.KiloHertz,
            Disks = disks,
            Shares = shares,
            TransferDisk = transferFile,
            Daemonize = false,
            Interactive = true,
        };
        Task<ToolResult> run = launcher.RunAsync(vm, lifetime, kill.Token);
        var files = new FilesVm(work, run, kill);
        try
        {
            await files.WaitForSocketAsync(cancellationToken);
        }
        catch
        {
            await files.DisposeAsync();
            throw;
        }
        return files;
    }

    private async Task WaitForSocketAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + SocketWait;
        string socket = Path.Combine(_work, DatastoreLayout.ControlSocketFile);
        while (!File.Exists(socket))
        {
            if (_run.IsCompleted)
            {
                ToolResult result = await _run;
                throw new InternalException($"the VM for the file operation did not start: {QemuLauncher.FirstLines(result.Message)}");
            }
            if (DateTime.UtcNow > deadline)
                throw new InternalException("the VM for the file operation did not start in time");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>
    /// Asks the tether to power off (it syncs first), waits, and kills QEMU if it does not go. A Layers VM is ended by
    /// QEMU instead (QMP quit): every layer it published was flushed when the guest froze it, the disk it still writes is a
    /// throwaway overlay, and a guest shutdown would cost a second for nothing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_run.IsCompleted && _quitByQemu)
            {
                await QmpClient.QuitAsync(_work, PowerOffWait, CancellationToken.None);
                await _run.WaitAsync(PowerOffWait);
            }
            else if (!_run.IsCompleted)
            {
                using var bounded = new CancellationTokenSource(PowerOffWait);
                await Channel.SendAsync(new ControlFrame(ControlFrameKind.PowerOff, 0, ReadOnlyMemory<byte>.Empty), bounded.Token);
                await _run.WaitAsync(PowerOffWait);
            }
        }
        catch (Exception e) when (e is PortLayerException or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // Not answering: it is killed below.
        }
        await _kill.CancelAsync();
        try
        {
            await _run;
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or PortLayerException)
        {
            // Killed.
        }
        await Channel.DisposeAsync();
        _kill.Dispose();
        DatastoreLayout.TryDeleteDirectory(_work);
    }
}
