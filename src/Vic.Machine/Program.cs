using System.CommandLine;
using Vic.Machine;

var root = new RootCommand("vic-machine: create, list, inspect, start, stop and delete Virtual Container Hosts (VCHs)");
root.Options.Add(Commands.RootOption);
root.Options.Add(Commands.DebugOption);
root.Subcommands.Add(Commands.Create());
root.Subcommands.Add(Commands.List());
root.Subcommands.Add(Commands.Inspect());
root.Subcommands.Add(Commands.Start());
root.Subcommands.Add(Commands.Stop());
root.Subcommands.Add(Commands.Delete());
root.Subcommands.Add(Commands.Version());
return await root.Parse(args).InvokeAsync();
