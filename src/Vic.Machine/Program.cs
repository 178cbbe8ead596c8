using System.CommandLine;
using Vic.Machine;

var root = new RootCommand("vic-machine: create, list, inspect, configure, upgrade, start, stop and delete Virtual Container Hosts (VCHs)");
root.Options.Add(Commands.RootOption);
root.Options.Add(Commands.DebugOption);
root.Subcommands.Add(new CreateCommand().Build());
root.Subcommands.Add(Commands.List());
root.Subcommands.Add(InspectCommand.Build());
root.Subcommands.Add(ConfigureCommand.Build());
root.Subcommands.Add(ConfigureCommand.Debug());
root.Subcommands.Add(Commands.Start());
root.Subcommands.Add(Commands.Stop());
root.Subcommands.Add(Commands.Delete());
root.Subcommands.Add(UpgradeCommand.Build());
root.Subcommands.Add(ServiceCommand.Build());
root.Subcommands.Add(Commands.Version());
return await root.Parse(args).InvokeAsync();
