using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Mode Container: mount the root disk, enter it, then run the process (<see cref="MainProcess"/>) as the restart
/// policy says (<see cref="RelaunchLoop"/>): once, or again in the same root each time it ends until the policy says no
/// more or the user stops the container. Returns the last run's report; the VM powers off after it.
/// </summary>
internal static class ContainerRunner
{
    public static ExitReport Run(VmSpec spec, LogWriter log, Reaper reaper, string? controlDevice)
    {
        ProcessSpec process = spec.Process!;
        RootFilesystem.MountRootDisk(spec.RootDevice);
        RootFilesystem.MountContainerFilesystems();
        ContainerMounts.MountAll(spec.Mounts, log.Debug);
        string hostname = spec.Hostname.Length > 0 ? spec.Hostname : spec.Id[..Math.Min(12, spec.Id.Length)];
        RootFilesystem.SetHostname(hostname, spec.Domainname);
        long networkStart = Clock.MonotonicMs();
        NetworkSetup.Configure(spec.Interfaces, spec.SpareNics, log.Debug);
        List<DhcpAgent> dhcp = DhcpAgent.StartAll(spec.Interfaces, hostname, log);
        log.Debug($"network configured ({spec.Interfaces.Count} interfaces, {dhcp.Count} by DHCP) in {Clock.MonotonicMs() - networkStart} ms");
        // Opened before the chroot: the device node is found in the initramfs's /dev.
        Files.TransferDisk? transfer = controlDevice is null ? null : Files.TransferDisk.Open(spec.Transfer, log);
        if (spec.ReadOnlyRoot)
        {
            RootFilesystem.KeepWritableRoot();
        }
        RootFilesystem.SwitchRoot();
        VmSpec leased = DhcpAgent.Leased(spec, dhcp);
        HostFiles.Write(leased, hostname, RootFilesystem.WritableRoot).ForEach(log.Tether);
        // A new address or new resolvers from a later lease: the container's files follow (after the switch, so
        // they are written in the container's root, through the tether's writable view of a read-only one). Only the
        // interface's own /etc/hosts line changes: lines a live network connect added meanwhile stay.
        var hosts = new LiveHosts(hostname, spec.Domainname, leased.Interfaces, HostFiles.Change);
        DnsSpec? resolvers = leased.Dns;
        void LeaseChanged(DhcpAgent agent)
        {
            string failure = hosts.Leased(agent.Mac, agent.Lease?.Address.ToString() ?? "");
            if (failure.Length > 0)
            {
                log.Tether("DHCP lease: /etc/hosts not updated: " + failure);
            }
            DnsSpec? now = DhcpAgent.Leased(spec, dhcp).Dns;
            if (now is not null && !ResolvConf.Render(now).Equals(resolvers is null ? null : ResolvConf.Render(resolvers), StringComparison.Ordinal))
            {
                resolvers = now;
                HostFiles.WriteResolvConf(now, RootFilesystem.WritableRoot).ForEach(log.Tether);
            }
        }
        dhcp.ForEach(agent => agent.LeaseChanged = () => LeaseChanged(agent));
        // A lease that changed between the files' writing and the hook above is caught up now (no-op when unchanged).
        dhcp.ForEach(LeaseChanged);
        if (spec.ReadOnlyRoot)
        {
            RootFilesystem.MakeRootReadOnly();
        }
        log.Debug("root mounted and entered");

        var users = new UserDatabase(ReadOptional("/etc/passwd"), ReadOptional("/etc/group"));
        var main = new MainProcess(process, hostname, users, reaper, log);
        var loop = new RelaunchLoop(spec.Restart, spec.RestartCount, new RelaunchClock());
        if (controlDevice is not null)
        {
            main.FirstLaunched = () =>
            {
                var port = new ControlPort(controlDevice, log);
                main.Execs = new ExecSessions(process, hostname, users, reaper, port, log);
                port.Start(main, main.Execs, new Files.FileSessions(new Files.FileRoots("/", Lower: null, Running: true), port, log, transfer), relaunch: loop,
                    hosts: hosts);
            };
        }
        return loop.Run(main, log);
    }

    private static string? ReadOptional(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
