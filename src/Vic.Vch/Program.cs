using System.CommandLine;
using Vic.Vch;

// The VCH daemon's composition root: the one place that names the backend that is built in (STYLE 4).
var name = new Option<string>("--name") { Description = "Name of this VCH", DefaultValueFactory = _ => "default" };
var datastore = new Option<string>("--datastore") { Description = "Directory holding images, containers and their logs", Required = true };
var socket = new Option<string>("--socket") { Description = "Unix socket to serve the Docker API on", Required = true };
var containerBase = new Option<string>("--container-base") { Description = "Boot image directory (vmlinuz, initramfs.cpio, kernel-release)", Required = true };
var pidFile = new Option<string?>("--pid-file") { Description = "Write the daemon's PID here while it runs" };
var accelerator = new Option<string>("--accelerator") { Description = "auto (probe KVM with a timeout, else TCG), kvm or tcg", DefaultValueFactory = _ => "auto" };
var debug = new Option<bool>("--debug") { Description = "Debug logging" };

var root = new RootCommand("vic-vch: a Virtual Container Host serving the Docker API; every container is a QEMU VM")
{
    name, datastore, socket, containerBase, pidFile, accelerator, debug,
};
root.SetAction((parse, ct) => Daemon.RunAsync(new DaemonOptions
{
    Name = parse.GetValue(name)!,
    DatastorePath = Path.GetFullPath(parse.GetValue(datastore)!),
    SocketPath = Path.GetFullPath(parse.GetValue(socket)!),
    ContainerBasePath = Path.GetFullPath(parse.GetValue(containerBase)!),
    PidFile = parse.GetValue(pidFile) is string p ? Path.GetFullPath(p) : null,
    Accelerator = parse.GetValue(accelerator)!,
    Debug = parse.GetValue(debug),
}, ct));
return await root.Parse(args).InvokeAsync();
