using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Logs;
using Vic.PortLayer.Qemu.Storage;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// Decides once per backend whether guests run under KVM or TCG. KVM is only trusted after a probe guest
/// has booted and powered off within a deadline: on some hosts /dev/kvm exists but a guest never finishes
/// booting (DESIGN: local backend). The probe never hangs: the VM is killed at the deadline.
/// </summary>
internal sealed class AcceleratorProbe(QemuBackendOptions options, DatastoreLayout layout, QemuLauncher launcher, ILogger logger,
    string kvmDevice = "/dev/kvm")
{
    private readonly Lazy<Task<string>> _decision = new(() => Task.Run(() => DecideAsync(options, layout, launcher, logger, kvmDevice)));

    /// <summary>"kvm" or "tcg"; the first caller starts the probe, everyone shares its answer.</summary>
    public Task<string> GetAsync() => _decision.Value;

    private static async Task<string> DecideAsync(QemuBackendOptions options, DatastoreLayout layout, QemuLauncher launcher, ILogger logger,
        string kvmDevice)
    {
        (string accelerator, string reason) = options.Accelerator switch
        {
            "tcg" => ("tcg", "configured"),
            "kvm" => ("kvm", "configured"),
            _ when !File.Exists(kvmDevice) => ("tcg", $"{kvmDevice} is absent"),
            _ => await ProbeKvmAsync(options, layout, launcher),
        };
        Log.AcceleratorChosen(logger, accelerator, reason);
        return accelerator;
    }

    private static async Task<(string, string)> ProbeKvmAsync(QemuBackendOptions options, DatastoreLayout layout, QemuLauncher launcher)
    {
        string dir = DatastoreLayout.NewTempDir(layout.ContainersDir);
        Directory.CreateDirectory(dir);
        try
        {
            // A guest with no root disk: the tether reports the failure in an Exit record and powers off,
            // which proves the whole boot path works under this accelerator.
            var spec = new VmSpec { Mode = VmMode.Container, Id = new string('0', 64), Process = new ProcessSpec { Args = ["true"] } };
            await File.WriteAllBytesAsync(Path.Combine(dir, DatastoreLayout.SpecFile), JsonSerializer.SerializeToUtf8Bytes(spec, ProtocolJson.Default.VmSpec));
            var vm = new VmLaunch
            {
                Directory = dir, Name = "vic-kvm-probe", Kernel = layout.Kernel, Initramfs = layout.Initramfs,
                MemoryMiB = 256, Cpus = 1, Accelerator = "kvm", Disks = [], TscKhz = HostTsc.KiloHertz, Daemonize = false, Interactive = false,
            };
            ToolResult result;
            try
            {
                result = await launcher.RunAsync(vm, options.AcceleratorProbeTimeout, CancellationToken.None);
            }
            catch (TimeoutException)
            {
                return ("tcg", $"a KVM guest did not finish booting within {options.AcceleratorProbeTimeout.TotalSeconds:0} s");
            }
            if (result.ExitCode != 0)
                return ("tcg", $"QEMU refused KVM: {QemuLauncher.FirstLines(result.Message)}");
            var exit = await ExitRecordReader.ReadLastExitAsync(Path.Combine(dir, DatastoreLayout.OutputLogFile), 0, CancellationToken.None);
            return exit is null ? ("tcg", "the KVM probe guest powered off without reporting") : ("kvm", "probe guest booted");
        }
        catch (Exception e) when (e is IOException or PortLayerException)
        {
            return ("tcg", $"KVM probe failed: {e.Message}");
        }
        finally
        {
            DatastoreLayout.TryDeleteDirectory(dir);
        }
    }
}
