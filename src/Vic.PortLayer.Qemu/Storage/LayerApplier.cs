using System.Text.Json;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Logs;
using Vic.PortLayer.Qemu.Vm;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Storage;

/// <summary>
/// Applies a layer tar inside a throwaway VM (DESIGN rule 5): the new child disk is /dev/vda, the tar a
/// read-only raw /dev/vdb. The tether untars, syncs, writes an Exit record and powers off.
/// </summary>
internal sealed class LayerApplier(QemuBackendOptions options, DatastoreLayout layout, QemuLauncher launcher, AcceleratorProbe accelerator)
{
    public const string TarFile = "layer.tar";
    private const long ApplyMemoryMiB = 256;

    /// <summary>Runs the VM in <paramref name="work"/> (holding disk.qcow2 and layer.tar); throws Internal with the tether's message.</summary>
    public async Task ApplyAsync(string work, string layerId, string hex, long tarLength, CancellationToken cancellationToken)
    {
        string accel = await accelerator.GetAsync().WaitAsync(cancellationToken);
        VmSpec spec = VmSpecFactory.ForLayer(hex, tarLength, options.TimeProvider.GetUtcNow());
        await File.WriteAllBytesAsync(Path.Combine(work, DatastoreLayout.SpecFile),
            JsonSerializer.SerializeToUtf8Bytes(spec, ProtocolJson.Default.VmSpec), cancellationToken);
        var vm = new VmLaunch
        {
            Directory = work,
            Name = $"vic-layer-{hex[..12]}",
            Kernel = layout.Kernel,
            Initramfs = layout.Initramfs,
            MemoryMiB = ApplyMemoryMiB,
            Cpus = 1,
            Accelerator = accel,
            TcgTranslationCacheMiB = options.TcgTranslationCacheMiB,
            TscKhz = HostTsc.KiloHertz,
            Disks =
            [
                new VmDisk(Path.Combine(work, DatastoreLayout.DiskFile), "qcow2", ReadOnly: false),
                new VmDisk(Path.Combine(work, TarFile), "raw", ReadOnly: true),
            ],
            Daemonize = false,
            Interactive = false,
        };

        ToolResult result;
        try
        {
            result = await launcher.RunAsync(vm, options.LayerApplyTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new InternalException($"applying layer {layerId} took longer than {options.LayerApplyTimeout.TotalSeconds:0} s{ConsoleTail(work)}");
        }
        if (result.ExitCode != 0)
            throw new InternalException($"QEMU failed while applying layer {layerId}: {QemuLauncher.FirstLines(result.Message)}");
        ExitReport? exit = await ExitRecordReader.ReadLastExitAsync(Path.Combine(work, DatastoreLayout.OutputLogFile), 0, cancellationToken);
        if (exit is null)
            throw new InternalException($"the VM applying layer {layerId} stopped without reporting{ConsoleTail(work)}");
        if (exit.ExitCode != 0)
            throw new InternalException($"applying layer {layerId} failed: {exit.Error ?? $"exit code {exit.ExitCode}"}");

        // Only the disk and its meta.json are kept.
        foreach (string name in new[] { TarFile, DatastoreLayout.SpecFile, DatastoreLayout.OutputLogFile, DatastoreLayout.ConsoleLogFile })
            File.Delete(Path.Combine(work, name));
    }

    /// <summary>Boots a Layers VM on <paramref name="disk"/> in <paramref name="work"/> for a <see cref="LayerRun"/>.</summary>
    public Task<FilesVm> StartRunVmAsync(string work, string disk, CancellationToken cancellationToken) =>
        FilesVm.StartLayersAsync(options, layout, launcher, accelerator, work, disk, options.FilesVmTimeout, cancellationToken);

    /// <summary>The end of the guest console, so a boot failure is diagnosable after the work dir is gone.</summary>
    private static string ConsoleTail(string work)
    {
        try
        {
            string[] lines = File.ReadAllLines(Path.Combine(work, DatastoreLayout.ConsoleLogFile));
            return lines.Length == 0 ? "" : "; console: " + string.Join(" | ", lines.TakeLast(5));
        }
        catch (IOException)
        {
            return "";
        }
    }
}
