using System.CommandLine;

namespace Vic.Machine;

/// <summary><c>vic-machine install-service</c>: writes a systemd unit that starts an existing VCH at boot.</summary>
internal static class ServiceCommand
{
    public static Command Build()
    {
        var name = Commands.NameOption();
        var unitDir = new Option<string>("--systemd-unit-dir") { Description = "Where to write the unit", DefaultValueFactory = _ => SystemdUnit.DefaultDirectory };
        var command = new Command("install-service", "Write a systemd unit that starts the VCH at boot (enabling it is left to systemctl)") { name, unitDir };
        command.SetAction((parse, ct) => Commands.Run(parse, () =>
        {
            var store = new VchStore(parse.GetValue(Commands.RootOption)!);
            var vch = store.Load(parse.GetValue(name)!);
            string directory = Path.GetFullPath(parse.GetValue(unitDir)!);
            vch = vch with { SystemdUnitFile = Path.Combine(directory, SystemdUnit.NameFor(vch)) };
            string path = SystemdUnit.Write(vch, directory);
            store.Save(vch);
            Console.WriteLine($"Wrote {path}");
            Console.WriteLine($"Start VCH {vch.Name} at boot with: systemctl daemon-reload && systemctl enable {Path.GetFileName(path)}");
            Console.WriteLine("Its containers keep running when the service stops (KillMode=process); the daemon re-adopts them when it starts.");
            return Task.CompletedTask;
        }));
        return command;
    }
}
