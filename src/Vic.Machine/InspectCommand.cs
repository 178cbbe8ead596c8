using System.CommandLine;
using System.Text.Json;

namespace Vic.Machine;

/// <summary><c>vic-machine inspect</c> (endpoint, TLS, env, limits, paths) and <c>inspect config</c> (the create
/// command line that reproduces the VCH).</summary>
internal static class InspectCommand
{
    public static Command Build()
    {
        var name = Commands.NameOption();
        var target = new Vsphere.TargetOptions();
        var command = new Command("inspect", "Show a VCH's endpoint, client environment, TLS, limits, state and paths") { name, Commands.FormatOption };
        target.AddTo(command);
        command.SetAction((parse, ct) => Commands.Run(parse, () =>
        {
            if (target.Given(parse))
                return Vsphere.VsphereCli.InspectAsync(target.Read(parse), parse.GetValue(name)!, parse.GetValue(Commands.FormatOption)!, ct);
            var vch = new VchStore(parse.GetValue(Commands.RootOption)!).Load(parse.GetValue(name)!);
            var v = Commands.View(vch);
            if (parse.GetValue(Commands.FormatOption) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(v, MachineJson.Default.VchView));
                return Task.CompletedTask;
            }
            Console.WriteLine($"Name:          {v.Name}");
            Console.WriteLine($"State:         {v.State}{(v.Pid is int p ? $" (pid {p})" : "")}");
            Console.WriteLine($"Docker API:    {v.DockerHost}");
            Console.WriteLine($"Endpoint:      {v.Endpoint ?? "(unix socket only)"}");
            Console.WriteLine($"TLS:           {v.Tls}");
            if (v.CertPath is string certs)
                Console.WriteLine($"Certificates:  {certs}");
            Console.WriteLine($"Unix socket:   {v.UnixSocket}");
            Console.WriteLine(v.AdminUrl is string admin ? $"vicadmin:      {admin} (token: {v.AdminTokenFile}; or a client certificate)" : "vicadmin:      off");
            Console.WriteLine($"Limits:        containers {Show(v.Limits.Containers)}, memory {Show(v.Limits.MemoryBytes is long m ? ByteSize.Format(m) : null)}, cpus {Show(v.Limits.Cpus)}, storage {Show(v.Limits.StorageQuotaBytes is long s ? ByteSize.Format(s) : null)}");
            Console.WriteLine($"Debug:         {(v.Debug ? "on" : "off")}");
            var settings = v.Settings!;
            Console.WriteLine($"Version:       {settings.Version}{(settings.Release is string r ? $" (release {r})" : " (daemon used in place)")}{(settings.RollbackRelease is string back ? $"; rollback copy: {back}" : "")}");
            Console.WriteLine($"Daemon:        {settings.DaemonPath}");
            Console.WriteLine($"Container base: {settings.ContainerBasePath}");
            Console.WriteLine($"Registries:    insecure {List(settings.InsecureRegistries)}; CAs {List(settings.RegistryCaFiles)}; whitelist {List(settings.WhitelistRegistries)}; mirrors {List(settings.RegistryMirrors)}");
            if (settings.HttpProxy is not null || settings.HttpsProxy is not null)
                Console.WriteLine($"Proxies:       http {settings.HttpProxy ?? "none"}; https {settings.HttpsProxy ?? "none"}; not for {List(settings.NoProxy ?? [])}");
            Console.WriteLine($"DNS servers:   {(settings.DnsServers.Count == 0 ? "the host's (/etc/resolv.conf)" : string.Join(", ", settings.DnsServers))}");
            Console.WriteLine($"Volume stores: {string.Join(", ", settings.VolumeStores)}");
            Console.WriteLine($"Container networks: {List(settings.ContainerNetworks)}");
            Console.WriteLine($"Datastore:     {v.DatastorePath}");
            Console.WriteLine($"Log:           {v.LogFile}");
            if (vch.SystemdUnitFile is string unit)
                Console.WriteLine($"Systemd unit:  {unit}");
            Console.WriteLine($"Created:       {v.Created:u}");
            Console.WriteLine();
            Console.WriteLine($"Client environment ({v.EnvFile}):");
            foreach (var (key, value) in v.Env)
                Console.WriteLine($"export {key}={value}");
            return Task.CompletedTask;
        }));
        command.Subcommands.Add(Config());
        return command;
    }

    private static Command Config()
    {
        var name = Commands.NameOption();
        var command = new Command("config", "Print the vic-machine create command line that reproduces the VCH") { name, Commands.FormatOption };
        command.SetAction((parse, ct) => Commands.Run(parse, () =>
        {
            var vch = new VchStore(parse.GetValue(Commands.RootOption)!).Load(parse.GetValue(name)!);
            var args = CreateCommandLine.For(vch, Commands.DefaultRoot());
            Console.WriteLine(parse.GetValue(Commands.FormatOption) == "json"
                ? JsonSerializer.Serialize(args.ToList(), MachineJson.Default.ListString)
                : CreateCommandLine.ShellJoin(args));
            return Task.CompletedTask;
        }));
        return command;
    }

    private static string Show(object? value) => value?.ToString() ?? "unlimited";

    private static string List(IReadOnlyList<string> values) => values.Count == 0 ? "none" : string.Join(", ", values);
}
