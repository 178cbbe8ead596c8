using System.CommandLine;
using System.Text.Json;

namespace Vic.Machine;

/// <summary><c>vic-machine configure</c> (endpoint, TLS, resource limits, registries, DNS, volume stores, container networks,
/// vicadmin, daemon of an existing VCH) and <c>vic-machine debug</c> (debug logging); both go through
/// <see cref="Reconfiguration"/> and roll back on failure.</summary>
internal static class ConfigureCommand
{
    public static Command Build()
    {
        var name = Commands.NameOption();
        var settings = new SettingsOptions(creating: false);
        var target = new Vsphere.TargetOptions();
        var containerNetworks = new Option<string[]>("--container-network")
        {
            Description = "Networks containers may join, repeatable, replacing the set (\"\" clears it): locally a host bridge <bridge>[:name] with --container-network-gateway; on vSphere a port group <portgroup>[:name]",
        };
        var dns = new Option<string[]>("--dns-server")
        {
            Description = "DNS servers, repeatable, replacing the set (\"\" clears it): locally where the VCH's DNS forwards names it does not know; on vSphere the appliance's",
        };
        var command = new Command("configure", "Change an existing VCH's endpoint, TLS, resource limits, registries, DNS servers, volume stores, container networks, vicadmin port or daemon (on vSphere: limits, container networks, DNS); restarts its daemon (containers keep running) and rolls back if that fails")
        {
            name, Commands.TimeoutOption, Commands.FormatOption, containerNetworks, dns,
        };
        settings.AddTo(command);
        var local = new LocalConfigureOptions(containerNetworks, dns);
        local.AddTo(command);
        target.AddTo(command);
        command.SetAction((parse, ct) => Commands.Run(parse, async () =>
        {
            if (target.Given(parse))
            {
                Vsphere.TargetOptions.RefuseLocalOnly(parse, [settings.EndpointAddress, settings.EndpointPort, settings.TlsCname, settings.NoTlsVerify, settings.NoTls,
                    settings.TlsVerify, settings.TlsServerCert, settings.TlsServerKey, settings.TlsCa, settings.StorageQuota, settings.Accelerator, settings.VchBinary,
                    .. local.LocalOnly]);
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
            Vsphere.TargetOptions.RefuseVsphereOnly(parse, target.User, target.Password, target.Thumbprint);
            var store = new VchStore(parse.GetValue(Commands.RootOption)!);
            var before = store.Load(parse.GetValue(name)!);
            var change = local.Apply(parse, settings.Apply(parse, before), before);
            await ChangeAsync(store, before, change, parse, ct);
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
            await ChangeAsync(store, before, new LocalChange(after, new Dictionary<string, byte[]>(), [], false), parse, ct);
            if (parse.GetValue(Commands.FormatOption) != "json")
            {
                Console.WriteLine($"Debug logging is {(after.Debug ? "on" : "off")} for VCH {after.Name}; its log: {after.LogFile}");
                if (after.Debug)
                    Console.WriteLine($"Follow it with: tail -f {after.LogFile}");
            }
        }));
        return command;
    }

    private static async Task ChangeAsync(VchStore store, VchRecord before, LocalChange change, ParseResult parse, CancellationToken ct)
    {
        var progress = Console.Error;
        var after = change.After;
        if (JsonSerializer.Serialize(after, MachineJson.Default.VchRecord) == JsonSerializer.Serialize(before, MachineJson.Default.VchRecord))
        {
            progress.WriteLine($"VCH {before.Name}: nothing to change");
            Commands.PrintEndpoint(before, parse.GetValue(Commands.FormatOption)!);
            return;
        }
        var (resolved, plan) = VchSetup.Validate(after, before, store, DateTimeOffset.UtcNow);
        resolved = AdminSetup.Validate(resolved, change.AdminPortGiven, store, before);
        if (change.RemovedNetworks.Count > 0)
            await RefuseRemovingUsedNetworksAsync(before, change.RemovedNetworks, ct);

        bool newToken = resolved.AdminPort is not null && !File.Exists(resolved.AdminTokenFile);
        var oldCas = before.RegistryCaFiles.Except(resolved.RegistryCaFiles, StringComparer.Ordinal).ToList();
        var steps = new ChangeSteps
        {
            Files = [.. change.CaCopies.Keys, resolved.AdminTokenFile],
            Write = progress =>
            {
                foreach (var (path, pem) in change.CaCopies)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllBytes(path, pem);
                }
                if (newToken)
                {
                    AdminSetup.WriteToken(resolved.AdminTokenFile);
                    progress.WriteLine($"vicadmin: token written to {resolved.AdminTokenFile} (0600)");
                }
            },
            // CA copies inside the VCH that the new set no longer names (create's numbered ones, earlier configures').
            Cleanup = _ =>
            {
                foreach (string file in oldCas.Where(f => f.StartsWith(Path.Combine(before.Directory, RegistryFlags.CaDirectory) + "/", StringComparison.Ordinal)))
                    File.Delete(file);
            },
        };
        await Reconfiguration.ApplyAsync(store, before, resolved, plan, TimeSpan.FromSeconds(parse.GetValue(Commands.TimeoutOption)), progress, ct, steps);
        progress.WriteLine($"VCH {resolved.Name} reconfigured");
        Commands.PrintEndpoint(resolved, parse.GetValue(Commands.FormatOption)!);
    }

    /// <summary>
    /// A container network may go only when no container (running or not) is connected to it: the daemon knows, so it
    /// is asked; a stopped VCH is refused rather than guessed about.
    /// </summary>
    private static async Task RefuseRemovingUsedNetworksAsync(VchRecord vch, IReadOnlyList<string> removed, CancellationToken ct)
    {
        if (DaemonControl.RunningPid(vch) is null)
            throw new MachineException($"VCH {vch.Name} is stopped: start it (vic-machine start) so that configure can check that no container uses {string.Join(", ", removed)} before removing it", ExitCodes.Conflict);
        using var api = new DockerApiClient(vch.SocketPath);
        var users = NetworkUsers(await api.ListContainersAsync(ct), removed);
        if (users.Count > 0)
            throw new MachineException("cannot remove a container network that containers use: " + string.Join("; ", users.Select(u => $"{u.Key} is used by {string.Join(", ", u.Value)}"))
                + " (disconnect or remove them first)", ExitCodes.Conflict);
    }

    /// <summary>For each network in <paramref name="networks"/> that containers are connected to, their names.</summary>
    internal static Dictionary<string, List<string>> NetworkUsers(IEnumerable<ContainerSummary> containers, IReadOnlyList<string> networks)
    {
        var users = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var c in containers)
            foreach (string network in c.NetworkNames.Where(networks.Contains))
                (users.TryGetValue(network, out var list) ? list : users[network] = []).Add(c.DisplayName);
        return users;
    }
}
