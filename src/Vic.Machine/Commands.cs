using System.CommandLine;
using System.Text.Json;

namespace Vic.Machine;

/// <summary>The command tree. Each action validates everything first, then changes things.</summary>
internal static class Commands
{
    public static readonly Option<string> RootOption = new("--root")
    {
        Description = "Directory holding local VCHs (env VIC_HOME)",
        DefaultValueFactory = _ => DefaultRoot(),
        Recursive = true,
    };

    public static string DefaultRoot() => Environment.GetEnvironmentVariable("VIC_HOME") is { Length: > 0 } home ? home : "/var/lib/vic";

    public static readonly Option<bool> DebugOption = new("--debug") { Description = "Print stack traces and extra diagnostics", Recursive = true };

    public static Option<string> NameOption() => new("--name", "-n")
    {
        Description = "Name of the VCH",
        DefaultValueFactory = _ => "default",
    };

    public static readonly Option<string> FormatOption = CreateFormatOption();
    public static readonly Option<int> TimeoutOption = new("--timeout") { Description = "Seconds to wait for the VCH daemon", DefaultValueFactory = _ => 120 };

    private static Option<string> CreateFormatOption()
    {
        var option = new Option<string>("--format") { Description = "Output format: text or json", DefaultValueFactory = _ => "text" };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }

    public static Command List()
    {
        var target = new Vsphere.TargetOptions();
        var command = new Command("ls", "List VCHs: local ones, or with --target those on a vCenter or ESXi host") { FormatOption };
        target.AddTo(command);
        command.SetAction((parse, ct) => Run(parse, () =>
        {
            if (target.Given(parse))
                return Vsphere.VsphereCli.ListAsync(target.Read(parse), parse.GetValue(FormatOption)!, ct);
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

    public static Command Start()
    {
        var name = NameOption();
        var command = new Command("start", "Start a stopped VCH's daemon; it re-adopts its running containers") { name, TimeoutOption };
        command.SetAction((parse, ct) => Run(parse, async () =>
        {
            var vch = new VchStore(parse.GetValue(RootOption)!).Load(parse.GetValue(name)!);
            await DaemonControl.StartAsync(vch, TimeSpan.FromSeconds(parse.GetValue(TimeoutOption)), Console.Error, ct);
            PrintEndpoint(vch, "text");
        }));
        return command;
    }

    public static Command Stop()
    {
        var name = NameOption();
        var command = new Command("stop", "Stop a VCH's daemon; its containers keep running") { name, TimeoutOption };
        command.SetAction((parse, ct) => Run(parse, async () =>
        {
            var vch = new VchStore(parse.GetValue(RootOption)!).Load(parse.GetValue(name)!);
            await DaemonControl.StopAsync(vch, TimeSpan.FromSeconds(Math.Min(15, parse.GetValue(TimeoutOption))), ct);
            Console.WriteLine($"VCH {vch.Name} stopped; its containers keep running");
        }));
        return command;
    }

    public static Command Delete()
    {
        var name = NameOption();
        var force = new Option<bool>("--force", "-f") { Description = "Remove running containers too" };
        var target = new Vsphere.TargetOptions();
        var command = new Command("delete", "Delete a VCH with its containers, images and datastore (on vSphere: its VMs, pool, folder and datastore directory)") { name, force, TimeoutOption };
        target.AddTo(command);
        command.SetAction((parse, ct) => Run(parse, async () =>
        {
            if (target.Given(parse))
            {
                await Vsphere.VsphereCli.DeleteAsync(target.Read(parse), parse.GetValue(name)!, parse.GetValue(force), ct);
                return;
            }
            var store = new VchStore(parse.GetValue(RootOption)!);
            var vch = store.Load(parse.GetValue(name)!);
            // The daemon knows which containerVMs run (it re-adopts them on start), so ask it rather than guess.
            await DaemonControl.StartAsync(vch, TimeSpan.FromSeconds(parse.GetValue(TimeoutOption)), TextWriter.Null, ct);
            Console.WriteLine($"Removing the containers of VCH {vch.Name}");
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
            if (File.Exists(vch.AdminTokenFile))
            {
                File.Delete(vch.AdminTokenFile);
                Console.WriteLine($"Removed the vicadmin token {vch.AdminTokenFile}");
            }
            Directory.Delete(vch.Directory, recursive: true);
            await RemoveNetworkNamespaceAsync(vch);
            if (vch.SystemdUnitFile is string unit && File.Exists(unit))
            {
                File.Delete(unit);
                Console.WriteLine($"Removed {unit} (run systemctl daemon-reload if it was enabled)");
            }
            if (vch.CertPath is string certs && !certs.StartsWith(vch.Directory + "/", StringComparison.Ordinal) && Directory.Exists(certs))
                Console.WriteLine($"Kept the certificates in {certs} (outside the VCH's directory)");
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

    public static void PrintEndpoint(VchRecord vch, string format)
    {
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(View(vch), MachineJson.Default.VchView));
            return;
        }
        Console.WriteLine($"VCH {vch.Name} is ready. Use it with (or: set -a; . {vch.EnvFile}):");
        foreach (var (key, value) in vch.ClientEnvironment)
            Console.WriteLine($"export {key}={value}");
        if (vch.AdminUrl is string admin)
            Console.WriteLine($"vicadmin: {admin} (log in with the token in {vch.AdminTokenFile}, or a client certificate)");
    }

    public static VchView View(VchRecord vch)
    {
        int? pid = DaemonControl.RunningPid(vch);
        return new VchView(vch.Name, pid is null ? "stopped" : "running", vch.DockerHost, vch.Directory, vch.DatastorePath, pid, vch.LogFile, vch.Created,
            vch.UnixHost, vch.HasTcp ? $"{vch.EndpointAddress}:{vch.EndpointPort}" : null, vch.HasTcp ? TlsText(vch.TlsMode) : "none",
            vch.Certificates?.Path, vch.EnvFile, vch.ClientEnvironment, vch.Debug,
            new VchLimitsView(vch.MaxContainers, vch.MemoryBytes, vch.Cpus, vch.StorageQuotaBytes),
            vch.AdminUrl, vch.AdminUrl is null ? null : vch.AdminTokenFile,
            new VchSettingsView(vch.Version, vch.ReleaseStamp, vch.Previous?.Stamp ?? vch.Previous?.DaemonPath, vch.DaemonPath, vch.ContainerBasePath,
                vch.InsecureRegistries, vch.RegistryCaFiles, vch.WhitelistRegistries, vch.RegistryMirrors, vch.DnsServers,
                vch.EffectiveVolumeStores, vch.ContainerNetworks, MaskedProxy(vch.HttpProxy), MaskedProxy(vch.HttpsProxy), vch.NoProxy));
    }

    /// <summary>A proxy URL with its password masked, for output.</summary>
    public static string? MaskedProxy(string? url) =>
        url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':')
            ? new UriBuilder(uri) { Password = "xxxxx" }.Uri.ToString()
            : url;

    public static string TlsText(Tls.TlsMode mode) => mode switch
    {
        Tls.TlsMode.Verify => "mutual",
        Tls.TlsMode.ServerOnly => "server-only",
        _ => "none",
    };

    /// <summary>Runs an action, turning failures into a message on stderr and a meaningful exit code.</summary>
    public static async Task<int> Run(ParseResult parse, Func<Task> action)
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException or Vic.Vsphere.VsphereFault
            or Vic.Vsphere.NotFoundException or TimeoutException or Vic.Tether.Protocol.GuestInfoException)
        {
            Console.Error.WriteLine($"vic-machine: {e.Message}");
            if (parse.GetValue(DebugOption))
                Console.Error.WriteLine(e);
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// The daemon keeps its bridges and taps in a network namespace named after its datastore (vic-vch's default:
    /// "vic-" and 12 hex of the path's SHA-256); deleting the VCH removes it with everything in it.
    /// </summary>
    private static async Task RemoveNetworkNamespaceAsync(VchRecord vch)
    {
        string name = "vic-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(vch.DatastorePath)))[..12];
        if (!File.Exists(Path.Combine("/run/netns", name)))
            return;
        using var ip = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip", ["netns", "del", name]) { RedirectStandardError = true })
            ?? throw new MachineException("could not run ip to remove the VCH's network namespace", ExitCodes.Failure);
        string error = await ip.StandardError.ReadToEndAsync();
        await ip.WaitForExitAsync();
        if (ip.ExitCode != 0)
            throw new MachineException($"could not remove network namespace {name}: {error.Trim()}", ExitCodes.Failure);
        Console.WriteLine($"Removed network namespace {name}");
    }
}
