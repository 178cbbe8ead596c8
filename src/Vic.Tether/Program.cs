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
string? logDevice = Ports.Find(Channels.LogPort, TimeSpan.FromSeconds(5));
int logFd = logDevice is null ? -1 : Libc.open(logDevice, Consts.O_WRONLY | Consts.O_CLOEXEC, 0);
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
try
{
    VmSpec spec = Boot.ReadSpec();
    if (Boot.FixClock(spec.HostTimeUnixMs) is string clockNote)
    {
        log.Tether(clockNote);
    }
    report = spec.Mode switch
    {
        VmMode.Container => ContainerRunner.Run(spec, log, new Reaper(), Ports.Find(Channels.ControlPort, TimeSpan.FromMilliseconds(200))),
        VmMode.ApplyLayer => LayerApplier.Run(spec, log),
        VmMode.Files => Vic.Tether.Files.FilesService.Run(spec, log, Ports.Find(Channels.ControlPort, TimeSpan.FromSeconds(2))),
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

log.Exit(report);
Shutdown.PowerOff();
return 0;
