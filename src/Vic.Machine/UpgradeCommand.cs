using System.CommandLine;

namespace Vic.Machine;

/// <summary>
/// <c>vic-machine upgrade</c>: switches a VCH to this vic-machine's daemon and container base, keeping what it ran
/// before for <c>--rollback</c>. Locally the build's files are installed as a release in the VCH's directory
/// (<see cref="Releases"/>) and the daemon restarted on them through <see cref="Reconfiguration"/>: containerVMs keep
/// running and the new daemon re-adopts them; if it does not come up, the old record and daemon come back. With
/// <c>--target</c> the vSphere appliance is upgraded (<see cref="Vsphere.VchUpgrader"/>).
/// </summary>
internal static class UpgradeCommand
{
    public static Command Build()
    {
        var target = new Vsphere.TargetOptions();
        var name = Commands.NameOption();
        var containerBase = new Option<string?>("--container-base") { Description = "Container base to switch to (default: the one built with vic-machine)" };
        var applianceDir = new Option<string?>("--appliance-dir") { Description = "vSphere: directory with the appliance image appliance.img (default: out/appliance)" };
        var rollback = new Option<bool>("--rollback") { Description = "Go back to what the VCH ran before its last upgrade" };
        var force = new Option<bool>("--force") { Description = "Switch even when the VCH already runs these files (copies checked, daemon restarted)" };
        var command = new Command("upgrade", "Switch a VCH to this vic-machine's daemon and container base (on vSphere: appliance image and container base), keeping the old ones for --rollback; containers keep running")
        {
            name, containerBase, applianceDir, rollback, force, Commands.TimeoutOption, Commands.FormatOption,
        };
        target.AddTo(command);
        command.SetAction((parse, ct) => Commands.Run(parse, async () =>
        {
            if (parse.GetValue(rollback) && (parse.GetValue(force) || parse.GetValue(containerBase) is not null || parse.GetValue(applianceDir) is not null))
                throw new MachineException("--rollback goes back to the kept release: --force, --container-base and --appliance-dir do not apply", ExitCodes.InvalidArgument);
            if (target.Given(parse))
            {
                await Vsphere.VsphereCli.UpgradeAsync(target.Read(parse), parse.GetValue(name)!, parse.GetValue(containerBase), parse.GetValue(applianceDir),
                    parse.GetValue(rollback), parse.GetValue(force), parse.GetValue(Commands.FormatOption)!, ct);
                return;
            }
            Vsphere.TargetOptions.RefuseVsphereOnly(parse, applianceDir, target.User, target.Password, target.Thumbprint);
            var store = new VchStore(parse.GetValue(Commands.RootOption)!);
            var before = store.Load(parse.GetValue(name)!);
            var plan = Plan(before, parse.GetValue(rollback), parse.GetValue(force), Layout.DefaultDaemon(), parse.GetValue(containerBase) ?? Layout.DefaultContainerBase());
            var progress = Console.Error;
            if (plan is null)
            {
                progress.WriteLine($"VCH {before.Name} already runs release {before.ReleaseStamp}: nothing to upgrade (--force switches again)");
                Commands.PrintEndpoint(before, parse.GetValue(Commands.FormatOption)!);
                return;
            }
            var after = plan.After;
            string verb = parse.GetValue(rollback) ? "rollback" : "upgrade";
            progress.WriteLine(parse.GetValue(rollback)
                ? $"Rolling VCH {before.Name} back from {Describe(before.Current)} to {Describe(after.Current)}"
                : after.ReleaseStamp == before.ReleaseStamp
                    ? $"Switching VCH {before.Name} to {Describe(after.Current)} again (--force)"
                    : $"Upgrading VCH {before.Name} from {Describe(before.Current)} to {Describe(after.Current)}");
            bool installed = false;
            var steps = new ChangeSteps
            {
                Verb = verb,
                Prepare = p =>
                {
                    if (plan.Install)
                        installed = Releases.Install(after.Current, p);
                },
                Undo = () =>
                {
                    string dir = Path.GetDirectoryName(after.ContainerBasePath)!;
                    if (installed && Directory.Exists(dir))
                        Directory.Delete(dir, recursive: true);
                },
                Cleanup = p => Releases.Prune(after, p),
            };
            await Reconfiguration.ApplyAsync(store, before, after, null, TimeSpan.FromSeconds(parse.GetValue(Commands.TimeoutOption)), progress, ct, steps);
            progress.WriteLine($"VCH {after.Name} now runs {Describe(after.Current)}"
                + (after.Previous is { } kept ? $"; {Describe(kept)} is kept for vic-machine upgrade --rollback" : "; it has no earlier release to roll back to"));
            Commands.PrintEndpoint(after, parse.GetValue(Commands.FormatOption)!);
        }));
        return command;
    }

    /// <summary>The record after the switch and whether a release must be installed; null when there is nothing to do.</summary>
    internal static UpgradePlan? Plan(VchRecord vch, bool rollback, bool force, string daemonSource, string containerBaseSource)
    {
        if (rollback)
        {
            if (vch.Previous is not { } previous)
                throw new MachineException($"VCH {vch.Name} has no earlier release to roll back to (it has not been upgraded)", ExitCodes.Conflict);
            if (!File.Exists(previous.DaemonPath) || !File.Exists(Path.Combine(previous.ContainerBasePath, "vmlinuz")))
                throw new MachineException($"the earlier release of VCH {vch.Name} is gone ({previous.DaemonPath}, {previous.ContainerBasePath}): nothing to roll back to", ExitCodes.Failure);
            return new UpgradePlan(vch.WithRelease(previous) with { Previous = vch.Current }, Install: false);
        }
        string daemon = Path.GetFullPath(daemonSource), containerBase = Path.GetFullPath(containerBaseSource);
        if (!File.Exists(daemon))
            throw new MachineException($"VCH daemon not found at {daemon}; build it with scripts/build.sh", ExitCodes.InvalidArgument);
        if (!File.Exists(Path.Combine(containerBase, "vmlinuz")) || !File.Exists(Path.Combine(containerBase, "initramfs.cpio")))
            throw new MachineException($"container base not found in {containerBase} (expected vmlinuz and initramfs.cpio); build it with scripts/build.sh or give --container-base", ExitCodes.InvalidArgument);
        var release = Releases.Describe(vch, daemon, containerBase);
        bool same = release.Stamp == vch.ReleaseStamp && release.DaemonPath == vch.DaemonPath && release.ContainerBasePath == vch.ContainerBasePath;
        if (same && !force)
            return null;
        // A forced switch to the same release keeps the rollback copy it had.
        return new UpgradePlan(vch.WithRelease(release) with { Previous = same ? vch.Previous : vch.Current }, Install: true);
    }

    private static string Describe(VchRelease release) =>
        release.Stamp is string stamp ? $"release {stamp}" : $"the daemon {release.DaemonPath} with the container base {release.ContainerBasePath}";
}

/// <summary>The record an upgrade or rollback switches to, and whether its release must be installed first.</summary>
internal sealed record UpgradePlan(VchRecord After, bool Install);
