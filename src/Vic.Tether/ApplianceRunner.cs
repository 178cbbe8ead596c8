using System.Diagnostics;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Mode Appliance: the VCH appliance VM. The root disk is the appliance image (vic-vch and the libraries it needs,
/// mounted read-only: every appliance of a version shares it); writable state goes to the data disk (or a tmpfs), and
/// /etc, /tmp and /run are tmpfs. vic-vch runs as a supervised child: when it ends it is started again after a
/// back-off, with every start and exit written to the log port beside its own output. Returns only when the
/// appliance cannot be brought up.
/// </summary>
internal static unsafe class ApplianceRunner
{
    public static ExitReport Run(VmSpec spec, LogWriter log, Reaper reaper)
    {
        ApplianceSpec appliance = spec.Appliance!;
        RootFilesystem.MountRootDisk(spec.RootDevice, readOnly: true);
        RootFilesystem.MountContainerFilesystems();
        MountTmpfs("etc", "mode=0755,size=1m");
        MountTmpfs("tmp", "mode=1777");
        MountTmpfs("run", "mode=0755");
        MountData(appliance, log);
        string hostname = spec.Hostname.Length > 0 ? spec.Hostname : spec.Id[..Math.Min(12, spec.Id.Length)];
        RootFilesystem.SetHostname(hostname, spec.Domainname);
        long networkStart = Clock.MonotonicMs();
        NetworkSetup.Configure(spec.Interfaces, spec.SpareNics, log.Debug);
        // The public NIC by DHCP when vic-machine was given no address for it: the same client as containerVMs'.
        List<DhcpAgent> dhcp = DhcpAgent.StartAll(spec.Interfaces, hostname, log);
        log.Debug($"network configured ({spec.Interfaces.Count} interfaces, {dhcp.Count} by DHCP) in {Clock.MonotonicMs() - networkStart} ms");
        RootFilesystem.SwitchRoot();
        HostFiles.Write(DhcpAgent.Leased(spec, dhcp), hostname).ForEach(log.Tether);
        dhcp.ForEach(agent => agent.LeaseChanged = () => HostFiles.Write(DhcpAgent.Leased(spec, dhcp), hostname).ForEach(log.Tether));
        WriteSealedSecrets(appliance);

        if (!File.Exists(AppliancePlan.VchPath))
        {
            return new ExitReport { ExitCode = 125, Error = $"the appliance disk {spec.RootDevice} has no {AppliancePlan.VchPath}" };
        }
        if (appliance.Secrets.Count > 0)
        {
            appliance = appliance with { KeyDevice = BlockDevices.Resolve(appliance.KeyDevice, TimeSpan.FromSeconds(5)) };
        }
        var process = new ProcessSpec { Args = [AppliancePlan.VchPath, .. AppliancePlan.VchArgs(appliance)], Env = AppliancePlan.Environment(appliance.Env), WorkingDir = "/" };
        var root = new ResolvedUser(0, 0, [], "/root", "root");
        for (int failures = 0; ; )
        {
            var clock = Stopwatch.StartNew();
            int? status = RunOnce(process, root, log, reaper);
            failures = clock.Elapsed >= AppliancePlan.StableRun ? 1 : failures + 1;
            TimeSpan delay = AppliancePlan.RestartDelay(failures);
            string ended = status is int s ? $"exited with {Reaper.ExitCode(s)}" : "could not start";
            log.Tether($"vic-vch {ended} after {clock.Elapsed.TotalSeconds:0.0} s; starting it again in {delay.TotalSeconds:0} s");
            Thread.Sleep(delay);
        }
    }

    /// <summary>One run of vic-vch: its wait status, or null when it could not be started (the reason is logged).</summary>
    private static int? RunOnce(ProcessSpec process, ResolvedUser root, LogWriter log, Reaper reaper)
    {
        Stdio stdio = Stdio.Create(process);
        var plan = new LaunchPlan(process.Args[0], process.Args, process.Env, "/", root, stdio.ChildStdin, stdio.ChildStdout, stdio.ChildStderr, null);
        LaunchResult launch = Launcher.Launch(plan, reaper);
        stdio.CloseChildEnds();
        if (!launch.Started)
        {
            stdio.CloseParentEnds();
            log.Tether($"vic-vch: {launch.FailureMessage}");
            return null;
        }
        log.Started(launch.Pid);
        List<OutputPump> pumps = stdio.StartPumps(log);
        int status = launch.Exited!.GetAwaiter().GetResult();
        // Its children (none today) would hold the pipes open; the pumps end when every writer is gone.
        foreach (OutputPump pump in pumps)
        {
            pump.Join(TimeSpan.FromSeconds(3));
        }
        stdio.CloseParentEnds();
        return status;
    }

    private static void MountData(ApplianceSpec appliance, LogWriter log)
    {
        string target = Path.Combine(RootFilesystem.NewRoot, appliance.DataMountPoint.TrimStart('/'));
        Directory.CreateDirectory(target);
        if (appliance.DataDevice.Length == 0)
        {
            Sys.Check(Libc.mount("tmpfs", target, "tmpfs", Consts.MS_NOSUID | Consts.MS_NODEV, "mode=0755"), $"mount tmpfs on {appliance.DataMountPoint}");
            log.Tether($"no data disk: {appliance.DataMountPoint} is a tmpfs, the VCH's state ends with this boot");
            return;
        }
        if (!Ports.WaitForDevice(appliance.DataDevice, TimeSpan.FromSeconds(5)))
        {
            throw new TetherException($"data device {appliance.DataDevice} did not appear");
        }
        Sys.Check(Libc.mount(appliance.DataDevice, target, "ext4", Consts.MS_NOSUID | Consts.MS_NODEV, null), $"mount data device {appliance.DataDevice} on {appliance.DataMountPoint}");
    }

    private static void MountTmpfs(string relativeTarget, string data)
    {
        string target = Path.Combine(RootFilesystem.NewRoot, relativeTarget);
        Directory.CreateDirectory(target);
        Sys.Check(Libc.mount("tmpfs", target, "tmpfs", Consts.MS_NOSUID | Consts.MS_NODEV, data), $"mount tmpfs on /{relativeTarget}");
    }

    /// <summary>The secrets as they came, sealed: opening them is vic-vch's (it has the crypto libraries; this
    /// NativeAOT binary in the initramfs does not, and never needs to hold the key).</summary>
    private static void WriteSealedSecrets(ApplianceSpec appliance)
    {
        if (appliance.Secrets.Count == 0)
        {
            return;
        }
        Directory.CreateDirectory(AppliancePlan.SealedDir);
        Sys.Check(Libc.chmod(AppliancePlan.SealedDir, 0x1C0 /* 0700 */), "chmod " + AppliancePlan.SealedDir);
        foreach (SealedSecret secret in appliance.Secrets)
        {
            string path = Path.Combine(AppliancePlan.SealedDir, secret.Name);
            File.WriteAllBytes(path, Convert.FromBase64String(secret.Sealed));
            Sys.Check(Libc.chmod(path, 0x100 /* 0400 */), "chmod " + path);
        }
    }
}
