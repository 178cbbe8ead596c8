using System.CommandLine;
using System.Text.Json;

namespace Vic.Machine;

/// <summary>The command tree. Each action validates everything first, then changes things.</summary>
internal static class Commands
{
    public static readonly Option<string> RootOption = new("--root")
    {
        Description = "Directory holding local VCHs (env VIC_HOME)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VIC_HOME") is { Length: > 0 } home ? home : "/var/lib/vic",
        Recursive = true,
    };

    public static readonly Option<bool> DebugOption = new("--debug") { Description = "Print stack traces and extra diagnostics", Recursive = true };

    private static Option<string> NameOption() => new("--name", "-n")
    {
        Description = "Name of the VCH",
        DefaultValueFactory = _ => "default",
    };

    private static readonly Option<string> FormatOption = new("--format") { Description = "Output format: text or json", DefaultValueFactory = _ => "text" };
    private static readonly Option<int> TimeoutOption = new("--timeout") { Description = "Seconds to wait for the VCH daemon", DefaultValueFactory = _ => 120 };

    public static Command Create()
    {
        var name = NameOption();
        var containerBase = new Option<string?>("--container-base") { Description = "Boot image directory (kernel + initramfs); default: the one built with vic-machine" };
        var daemon = new Option<string?>("--vch-binary") { Description = "Path of the vic-vch daemon; default: next to vic-machine's build" };
        var accelerator = new Option<string>("--accelerator") { Description = "auto (probe KVM, fall back to TCG), kvm or tcg", DefaultValueFactory = _ => "auto" };
        var registries = new RegistryFlags();
        var command = new Command("create", "Create a local VCH and start its daemon") { name, containerBase, daemon, accelerator, TimeoutOption, FormatOption };
        foreach (var option in registries.All)
            command.Options.Add(option);
        command.SetAction((parse, ct) => Run(parse, async () =>
        {
            var store = new VchStore(parse.GetValue(RootOption)!);
            string vchName = parse.GetValue(name)!;
            string acc = parse.GetValue(accelerator)!;
            // Validate everything before creating anything, so a refused create leaves nothing behind.
            if (VchStore.ValidateName(vchName) is string bad)
                throw new MachineException(bad, ExitCodes.InvalidArgument);
            if (acc is not ("auto" or "kvm" or "tcg"))
                throw new MachineException($"invalid --accelerator \"{acc}\": use auto, kvm or tcg", ExitCodes.InvalidArgument);
            if (store.Exists(vchName))
                throw new MachineException($"a VCH named \"{vchName}\" already exists in {store.Root}", ExitCodes.Conflict);
            // The failure path deletes the VCH's directory, so it must be one this create made.
            if (Directory.Exists(store.DirectoryOf(vchName)))
                throw new MachineException($"{store.DirectoryOf(vchName)} exists but is not a VCH; remove it or pick another name", ExitCodes.Conflict);
            string basePath = Path.GetFullPath(parse.GetValue(containerBase) ?? Layout.DefaultContainerBase());
            if (!File.Exists(Path.Combine(basePath, "vmlinuz")) || !File.Exists(Path.Combine(basePath, "initramfs.cpio")))
                throw new MachineException($"container base not found in {basePath} (expected vmlinuz and initramfs.cpio); build it with scripts/build.sh", ExitCodes.InvalidArgument);
            string daemonPath = Path.GetFullPath(parse.GetValue(daemon) ?? Layout.DefaultDaemon());
            if (!File.Exists(daemonPath))
                throw new MachineException($"VCH daemon not found at {daemonPath}; build it with scripts/build.sh", ExitCodes.InvalidArgument);
            var registry = registries.Validate(parse);

            string dir = store.DirectoryOf(vchName);
            var vch = new VchRecord
            {
                Name = vchName,
                Created = DateTimeOffset.UtcNow,
                Directory = dir,
                DatastorePath = Path.Combine(dir, "datastore"),
                SocketPath = Path.Combine(dir, "docker.sock"),
                ContainerBasePath = basePath,
                DaemonPath = daemonPath,
                Accelerator = acc,
                Version = Layout.Version,
                InsecureRegistries = registry.Insecure,
                WhitelistRegistries = registry.Whitelist,
                RegistryMirrors = registry.Mirrors,
            };
            try
            {
                Directory.CreateDirectory(vch.DatastorePath);
                vch = vch with { RegistryCaFiles = RegistryFlags.CopyCas(registry.Cas, dir) };
                store.Save(vch);
                await DaemonControl.StartAsync(vch, TimeSpan.FromSeconds(parse.GetValue(TimeoutOption)), Console.Out, ct);
            }
            catch
            {
                // A failed create leaves nothing behind.
                await DaemonControl.StopAsync(vch, TimeSpan.FromSeconds(5), CancellationToken.None);
                Directory.Delete(dir, recursive: true);
                throw;
            }
            PrintEndpoint(vch, parse.GetValue(FormatOption)!);
        }));
        return command;
    }

    public static Command List()
    {
        var command = new Command("ls", "List local VCHs") { FormatOption };
        command.SetAction((parse, ct) => Run(parse, () =>
        {
            var views = new VchStore(parse.GetValue(RootOption)!).List().Select(View).ToList();
            if (parse.GetValue(FormatOption) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(views, MachineJson.Default.ListVchView));
                return Task.CompletedTask;
            }
            Console.WriteLine($"{"NAME",-20} {"STATE",-8} {"DOCKER_HOST"}");
            foreach (var v in views)
                Console.WriteLine($"{v.Name,-20} {v.State,-8} {v.DockerHost}");
            return Task.CompletedTask;
        }));
        return command;
    }

    public static Command Inspect()
    {
        var name = NameOption();
        var command = new Command("inspect", "Show a VCH's endpoint, state and paths") { name, FormatOption };
        command.SetAction((parse, ct) => Run(parse, () =>
        {
            var vch = new VchStore(parse.GetValue(RootOption)!).Load(parse.GetValue(name)!);
            if (parse.GetValue(FormatOption) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(View(vch), MachineJson.Default.VchView));
                return Task.CompletedTask;
            }
            var v = View(vch);
            Console.WriteLine($"Name:        {v.Name}");
            Console.WriteLine($"State:       {v.State}{(v.Pid is int p ? $" (pid {p})" : "")}");
            Console.WriteLine($"Datastore:   {v.DatastorePath}");
            Console.WriteLine($"Log:         {v.LogFile}");
            Console.WriteLine($"Created:     {v.Created:u}");
            Console.WriteLine();
            Console.WriteLine($"export DOCKER_HOST={v.DockerHost}");
            return Task.CompletedTask;
        }));
        return command;
    }

    public static Command Start()
    {
        var name = NameOption();
        var command = new Command("start", "Start a stopped VCH's daemon; it re-adopts its running containers") { name, TimeoutOption };
        command.SetAction((parse, ct) => Run(parse, async () =>
        {
            var vch = new VchStore(parse.GetValue(RootOption)!).Load(parse.GetValue(name)!);
            await DaemonControl.StartAsync(vch, TimeSpan.FromSeconds(parse.GetValue(TimeoutOption)), Console.Out, ct);
            PrintEndpoint(vch, "text");
        }));
        return command;
    }

    public static Command Stop()
    {
        var name = NameOption();
        var command = new Command("stop", "Stop a VCH's daemon; its containers keep running") { name };
        command.SetAction((parse, ct) => Run(parse, async () =>
        {
            var vch = new VchStore(parse.GetValue(RootOption)!).Load(parse.GetValue(name)!);
            await DaemonControl.StopAsync(vch, TimeSpan.FromSeconds(15), ct);
            Console.WriteLine($"VCH {vch.Name} stopped; its containers keep running");
        }));
        return command;
    }

    public static Command Delete()
    {
        var name = NameOption();
        var force = new Option<bool>("--force", "-f") { Description = "Remove running containers too" };
        var command = new Command("delete", "Delete a VCH with its containers, images and datastore") { name, force, TimeoutOption };
        command.SetAction((parse, ct) => Run(parse, async () =>
        {
            var store = new VchStore(parse.GetValue(RootOption)!);
            var vch = store.Load(parse.GetValue(name)!);
            // The daemon knows which containerVMs run (it re-adopts them on start), so ask it rather than guess.
            await DaemonControl.StartAsync(vch, TimeSpan.FromSeconds(parse.GetValue(TimeoutOption)), TextWriter.Null, ct);
            using (var api = new DockerApiClient(vch.SocketPath))
            {
                var containers = await api.ListContainersAsync(ct);
                var running = containers.Where(c => c.State is "running" or "paused" or "restarting").ToList();
                if (running.Count > 0 && !parse.GetValue(force))
                    throw new MachineException(
                        $"VCH {vch.Name} has {running.Count} running container(s) ({string.Join(", ", running.Select(c => c.Names.FirstOrDefault()?.TrimStart('/') ?? c.Id[..12]))}); stop them or use --force",
                        ExitCodes.Conflict);
                foreach (var c in containers)
                {
                    Console.WriteLine($"Removing container {c.Names.FirstOrDefault()?.TrimStart('/') ?? c.Id[..12]}");
                    await api.RemoveContainerAsync(c.Id, ct);
                }
            }
            Console.WriteLine($"Stopping VCH daemon {vch.Name}");
            await DaemonControl.StopAsync(vch, TimeSpan.FromSeconds(15), ct);
            Directory.Delete(vch.Directory, recursive: true);
            Console.WriteLine($"Deleted VCH {vch.Name}");
        }));
        return command;
    }

    public static Command Version()
    {
        var command = new Command("version", "Print vic-machine's version");
        command.SetAction(_ => Console.WriteLine($"vic-machine {Layout.Version}"));
        return command;
    }

    private static void PrintEndpoint(VchRecord vch, string format)
    {
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(View(vch), MachineJson.Default.VchView));
            return;
        }
        Console.WriteLine($"VCH {vch.Name} is ready. Use it with:");
        Console.WriteLine($"export DOCKER_HOST={vch.DockerHost}");
    }

    private static VchView View(VchRecord vch)
    {
        int? pid = DaemonControl.RunningPid(vch);
        return new VchView(vch.Name, pid is null ? "stopped" : "running", vch.DockerHost, vch.Directory, vch.DatastorePath, pid, vch.LogFile, vch.Created);
    }

    /// <summary>Runs an action, turning failures into a message on stderr and a meaningful exit code.</summary>
    private static async Task<int> Run(ParseResult parse, Func<Task> action)
    {
        try
        {
            await action();
            return ExitCodes.Success;
        }
        catch (MachineException e)
        {
            Console.Error.WriteLine($"vic-machine: {e.Message}");
            if (parse.GetValue(DebugOption))
                Console.Error.WriteLine(e);
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            Console.Error.WriteLine($"vic-machine: {e.Message}");
            if (parse.GetValue(DebugOption))
                Console.Error.WriteLine(e);
            return ExitCodes.Failure;
        }
    }
}
