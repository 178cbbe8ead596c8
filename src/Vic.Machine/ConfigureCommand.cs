using System.CommandLine;
using System.Text.Json;

namespace Vic.Machine;

/// <summary><c>vic-machine configure</c> (endpoint, TLS, resource limits, daemon of an existing VCH) and
/// <c>vic-machine debug</c> (debug logging); both go through <see cref="Reconfiguration"/> and roll back on failure.</summary>
internal static class ConfigureCommand
{
    public static Command Build()
    {
        var name = Commands.NameOption();
        var settings = new SettingsOptions(creating: false);
        var target = new Vsphere.TargetOptions();
        var containerNetworks = new Option<string[]>("--container-network") { Description = "vSphere: the port groups containers may join, <portgroup>[:name] (repeatable; replaces the set)" };
        var dns = new Option<string[]>("--dns-server") { Description = "vSphere: the appliance's DNS servers (repeatable; replaces the set)" };
        var command = new Command("configure", "Change an existing VCH's endpoint, TLS, resource limits or daemon (on vSphere: limits, container networks, DNS); restarts its daemon (containers keep running) and rolls back if that fails")
        {
            name, Commands.TimeoutOption, Commands.FormatOption, containerNetworks, dns,
        };
        settings.AddTo(command);
        target.AddTo(command);
        command.SetAction((parse, ct) => Commands.Run(parse, async () =>
        {
            if (target.Given(parse))
            {
                Vsphere.TargetOptions.RefuseLocalOnly(parse, settings.EndpointAddress, settings.EndpointPort, settings.TlsCname, settings.NoTlsVerify, settings.NoTls,
                    settings.TlsVerify, settings.TlsServerCert, settings.TlsServerKey, settings.TlsCa, settings.StorageQuota, settings.Accelerator, settings.VchBinary);
                var request = new Vsphere.ConfigureRequest
                {
                    MaxContainers = parse.GetValue(settings.Containers) is string c ? new(Vsphere.Limits.Count(c, "--containers", true)) : null,
                    MemoryBytes = parse.GetValue(settings.Memory) is string m ? new(Vsphere.Limits.Size(m, "--memory")) : null,
                    Cpus = parse.GetValue(settings.Cpu) is string cpu ? new(Vsphere.Limits.Count(cpu, "--cpu", true)) : null,
                    ContainerNetworks = parse.GetResult(containerNetworks) is { Implicit: false } ? parse.GetValue(containerNetworks) : null,
                    DnsServers = parse.GetResult(dns) is { Implicit: false } ? parse.GetValue(dns) : null,
                };
                await Vsphere.VsphereCli.ConfigureAsync(target.Read(parse), parse.GetValue(name)!, request, parse.GetValue(Commands.FormatOption)!, ct);
                return;
            }
            Vsphere.TargetOptions.RefuseVsphereOnly(parse, containerNetworks, dns, target.User, target.Password, target.Thumbprint);
            var store = new VchStore(parse.GetValue(Commands.RootOption)!);
            var before = store.Load(parse.GetValue(name)!);
            var after = settings.Apply(parse, before);
            await ChangeAsync(store, before, after, parse, ct);
        }));
        return command;
    }

    public static Command Debug()
    {
        var name = Commands.NameOption();
        var off = new Option<bool>("--off") { Description = "Turn debug logging off again" };
        var command = new Command("debug", "Turn a VCH daemon's debug logging on (or off with --off); restarts the daemon, containers keep running")
        {
            name, off, Commands.TimeoutOption, Commands.FormatOption,
        };
        command.SetAction((parse, ct) => Commands.Run(parse, async () =>
        {
            var store = new VchStore(parse.GetValue(Commands.RootOption)!);
            var before = store.Load(parse.GetValue(name)!);
            var after = before with { Debug = !parse.GetValue(off) };
            await ChangeAsync(store, before, after, parse, ct);
            if (parse.GetValue(Commands.FormatOption) != "json")
            {
                Console.WriteLine($"Debug logging is {(after.Debug ? "on" : "off")} for VCH {after.Name}; its log: {after.LogFile}");
                if (after.Debug)
                    Console.WriteLine($"Follow it with: tail -f {after.LogFile}");
            }
        }));
        return command;
    }

    private static async Task ChangeAsync(VchStore store, VchRecord before, VchRecord after, ParseResult parse, CancellationToken ct)
    {
        var progress = Console.Error;
        if (JsonSerializer.Serialize(after, MachineJson.Default.VchRecord) == JsonSerializer.Serialize(before, MachineJson.Default.VchRecord))
        {
            progress.WriteLine($"VCH {before.Name}: nothing to change");
            Commands.PrintEndpoint(before, parse.GetValue(Commands.FormatOption)!);
            return;
        }
        var (resolved, plan) = VchSetup.Validate(after, before, store, DateTimeOffset.UtcNow);
        await Reconfiguration.ApplyAsync(store, before, resolved, plan, TimeSpan.FromSeconds(parse.GetValue(Commands.TimeoutOption)), progress, ct);
        progress.WriteLine($"VCH {resolved.Name} reconfigured");
        Commands.PrintEndpoint(resolved, parse.GetValue(Commands.FormatOption)!);
    }
}
