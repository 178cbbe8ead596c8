using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>Translates the port layer's container spec into what the tether reads from fw_cfg.</summary>
internal static class VmSpecFactory
{
    public static VmSpec ForContainer(ContainerSpec spec, DateTimeOffset now) => new()
    {
        Mode = VmMode.Container,
        Id = spec.Id,
        Hostname = spec.Hostname.Length > 0 ? spec.Hostname : spec.Id[..12],
        Domainname = spec.Domainname,
        HostTimeUnixMs = now.ToUnixTimeMilliseconds(),
        RootDevice = "/dev/vda",
        Interfaces = spec.Nics.Select((nic, i) => new NetworkInterfaceSpec
        {
            Mac = nic.Mac,
            Name = $"eth{i}",
            Address = nic.Address,
            Gateway = nic.Gateway,
            Dhcp = nic.Dhcp ? new DhcpSpec { DefaultRoute = nic.DhcpRoute, Resolvers = nic.DhcpResolvers } : null,
            Aliases = nic.Aliases,
        }).ToList(),
        Dns = spec.Dns is { } dns ? new DnsSpec { Nameservers = dns.Nameservers, Search = dns.Search, Options = dns.Options } : null,
        ExtraHosts = spec.ExtraHosts.Select(h => new HostEntry(h.Address, h.Names)).ToList(),
        ReadOnlyRoot = spec.ReadOnlyRoot,
        Restart = ForTether(spec.Restart),
        Process = new ProcessSpec
        {
            Args = spec.Process.Args,
            Env = spec.Process.Env,
            WorkingDir = spec.Process.WorkingDir,
            User = spec.Process.User,
            AdditionalGroups = spec.Process.AdditionalGroups.Count > 0 ? spec.Process.AdditionalGroups : null,
            Tty = spec.Process.Tty,
            OpenStdin = spec.Process.OpenStdin,
        },
    };

    /// <summary>The policy as the tether applies it inside the VM (null for "no": the VM powers off when the process ends).</summary>
    public static RestartPolicySpec? ForTether(ContainerRestartPolicy policy) => policy.Mode switch
    {
        RestartMode.Always => new RestartPolicySpec { Mode = RelaunchMode.Always },
        RestartMode.UnlessStopped => new RestartPolicySpec { Mode = RelaunchMode.UnlessStopped },
        RestartMode.OnFailure => new RestartPolicySpec { Mode = RelaunchMode.OnFailure, MaximumRetryCount = policy.MaximumRetryCount },
        _ => null,
    };

    public static VmSpec ForLayer(string layerHex, long tarLength, DateTimeOffset now) => new()
    {
        Mode = VmMode.ApplyLayer,
        Id = layerHex,
        HostTimeUnixMs = now.ToUnixTimeMilliseconds(),
        RootDevice = "/dev/vda",
        Layer = new LayerApplySpec { TarDevice = "/dev/vdb", TarLength = tarLength },
    };
}
