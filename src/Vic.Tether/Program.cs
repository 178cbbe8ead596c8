using Vic.Tether;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

// PID 1 of a containerVM. Every path ends in Shutdown.PowerOff: the VM never stays up with nothing inside.
var console = new DebugConsole();
Boot.IgnoreTerminationSignals();
try
{
    Boot.MountKernelFilesystems();
}
catch (TetherException e)
{
    console.WriteLine(e.Message);
    Shutdown.PowerOff();
    return 1;
}

console.Enabled = Boot.DebugRequested();
console.WriteLine("kernel filesystems mounted");
List<string> moduleFailures = Modules.LoadAll();
console.WriteLine("modules loaded");
// VMware has no virtio-serial: there the log goes to the first serial port, which the hypervisor writes to the
// datastore; waiting for a vic.log port that cannot come would only delay the boot.
bool onVmware = Platform.Detect("/sys", IoPortBackdoor.CpuidHypervisorVendor()).IsVmware;
string? logDevice = Ports.Find(Channels.LogPort, onVmware ? TimeSpan.Zero : TimeSpan.FromSeconds(5));
int logFd = logDevice is null ? -1 : Libc.open(logDevice, Consts.O_WRONLY | Consts.O_CLOEXEC, 0);
if (logFd < 0 && onVmware)
{
    logDevice = Channels.VmwareLogDevice;
    logFd = VmwareGuest.OpenSerialLog();
}
if (logFd < 0)
{
    // Without the log port nobody can learn what happened; the console is all there is.
    console.Enabled = true;
    moduleFailures.ForEach(console.WriteLine);
    console.WriteLine($"no usable log port \"{Channels.LogPort}\" ({logDevice ?? "not found"}); powering off");
    Shutdown.PowerOff();
}

console.WriteLine($"log port {logDevice} open");
var log = new LogWriter(logFd, console);
moduleFailures.ForEach(log.Tether);

ExitReport report;
VmMode? mode = null;
try
{
    VmSpec spec = Boot.ReadSpec(log);
    mode = spec.Mode;
    if (Boot.FixClock(spec.HostTimeUnixMs) is string clockNote)
    {
        log.Tether(clockNote);
    }
    report = spec.Mode switch
    {
        VmMode.Container => ContainerRunner.Run(spec, log, new Reaper(), Ports.Find(Channels.ControlPort, TimeSpan.FromMilliseconds(200))),
        VmMode.ApplyLayer => LayerApplier.Run(spec, log),
        VmMode.Appliance => ApplianceRunner.Run(spec, log, new Reaper()),
        VmMode.Files => Vic.Tether.Files.FilesService.Run(spec, log, Ports.Find(Channels.ControlPort, TimeSpan.FromSeconds(2))),
        VmMode.Layers => Vic.Tether.Files.FilesService.RunLayers(spec, log, Ports.Find(Channels.ControlPort, TimeSpan.FromSeconds(2))),
        _ => new ExitReport { ExitCode = 125, Error = $"unknown mode {spec.Mode}" },
    };
}
catch (TetherException e)
{
    report = new ExitReport { ExitCode = 125, Error = e.Message };
}
catch (Exception e)
{
    report = new ExitReport { ExitCode = 125, Error = $"tether failure: {e.GetType().Name}: {e.Message}" };
}

if (mode == VmMode.ApplyLayer && report.ExitCode != 0 && SpecSource.Backdoor is { } backdoor)
{
    // The VCH cannot read the log port of a VM on vSphere until the VM is gone; guestinfo it reads at once.
    VmwareGuest.ReportApplyError(backdoor, report.Error ?? $"layer not applied (exit {report.ExitCode})", log);
}
// Leases go back to their servers before the last record, so Exit stays the run's final record.
DhcpAgent.ReleaseAll();
log.Exit(report);
Shutdown.PowerOff();
return 0;
