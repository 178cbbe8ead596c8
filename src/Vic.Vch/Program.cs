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
// Registry policy (vic-machine create passes what the admin chose); each may be repeated.
var insecure = new Option<string[]>("--insecure-registry") { Description = "Registry (host[:port] or CIDR) used without TLS verification, or over HTTP" };
var registryCa = new Option<string[]>("--registry-ca") { Description = "PEM file of a CA certificate trusted for registries" };
var whitelist = new Option<string[]>("--whitelist-registry") { Description = "Allow only these registries (host[:port], CIDR or *.domain)" };
var blacklist = new Option<string[]>("--blacklist-registry") { Description = "Refuse these registries (host[:port], CIDR or *.domain)" };
var mirror = new Option<string[]>("--registry-mirror") { Description = "Docker Hub mirror URL, tried before Docker Hub" };

var root = new RootCommand("vic-vch: a Virtual Container Host serving the Docker API; every container is a QEMU VM")
{
    name, datastore, socket, containerBase, pidFile, accelerator, debug, insecure, registryCa, whitelist, blacklist, mirror,
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
    Registries = new Vic.ImageC.RegistryPolicy
    {
        InsecureRegistries = parse.GetValue(insecure) ?? [],
        CaCertificateFiles = (parse.GetValue(registryCa) ?? []).Select(Path.GetFullPath).ToList(),
        Whitelist = parse.GetValue(whitelist) ?? [],
        Blacklist = parse.GetValue(blacklist) ?? [],
        Mirrors = parse.GetValue(mirror) ?? [],
    },
}, ct));
return await root.Parse(args).InvokeAsync();
