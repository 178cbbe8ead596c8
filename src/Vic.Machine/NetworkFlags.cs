using System.Diagnostics;
using System.CommandLine;

namespace Vic.Machine;

/// <summary>
/// The local VCH's network flags: --bridge-network-range (where bridge networks get their /16s) and container
/// networks (--container-network &lt;bridge&gt;[:name], a flag shared with vSphere where it names a port group, plus
/// --container-network-gateway/-ip-range/-dns &lt;bridge&gt;:&lt;value&gt;, VIC's flag names). vic-machine checks what can
/// be checked before anything is made (the bridges exist; a range has its gateway; no gateway means DHCP); the daemon checks the rest at start and
/// a failed start rolls the create back.
/// </summary>
internal sealed class NetworkFlags(Option<string[]> containerNetwork)
{
    public Option<string?> BridgeNetworkRange { get; } = new("--bridge-network-range") { Description = "Pool bridge networks without --subnet get a /16 from (default 172.16.0.0/12)" };
    public Option<string[]> Gateway { get; } = new("--container-network-gateway") { Description = "<bridge>:<gateway/prefix> of a container network, e.g. br0:10.0.0.1/24: containers get static addresses (without it they use DHCP)" };
    public Option<string[]> IpRange { get; } = new("--container-network-ip-range") { Description = "<bridge>:<first-last or CIDR> containers' addresses come from (default: the whole subnet)" };
    public Option<string[]> Dns { get; } = new("--container-network-dns") { Description = "<bridge>:<resolver> for containers on a container network (repeatable; default: the host's)" };

    /// <summary>The options only a local VCH takes (container networks on vSphere are port groups, validated there).</summary>
    public IEnumerable<Option> LocalOnly => [BridgeNetworkRange, Gateway, IpRange, Dns];

    /// <summary>
    /// The record with the network flags applied. Create gives the whole set; configure (<paramref name="onlyGiven"/>)
    /// replaces the container networks only when one of their flags is given (<c>--container-network ""</c> clears them).
    /// </summary>
    public VchRecord Apply(ParseResult parse, VchRecord vch, bool onlyGiven = false)
    {
        string? range = parse.GetValue(BridgeNetworkRange);
        if (range is not null && !IsCidr(range))
            throw new MachineException($"--bridge-network-range \"{range}\": expected an IPv4 CIDR such as 172.16.0.0/12", ExitCodes.InvalidArgument);
        if (onlyGiven && !new Option[] { containerNetwork, Gateway, IpRange, Dns }.Any(o => parse.GetResult(o) is { Implicit: false }))
            return vch with { BridgeNetworkRange = range ?? vch.BridgeNetworkRange };
        var networks = (parse.GetValue(containerNetwork) ?? []).ToList();
        if (LocalConfigureOptions.Clears(networks, containerNetwork.Name))
            networks.Clear();
        var gateways = (parse.GetValue(Gateway) ?? []).ToList();
        var ranges = (parse.GetValue(IpRange) ?? []).ToList();
        var dns = (parse.GetValue(Dns) ?? []).ToList();
        var bridges = networks.Select(n => n.Split(':')[0]).ToList();
        foreach (string bridge in bridges)
        {
            // No gateway makes a DHCP network; a static range without its gateway is a mistake, not DHCP.
            if (!gateways.Any(g => g.StartsWith(bridge + ":", StringComparison.Ordinal)) && ranges.Any(r => r.StartsWith(bridge + ":", StringComparison.Ordinal)))
                throw new MachineException($"--container-network-ip-range {bridge}: a static range needs the network's gateway (--container-network-gateway {bridge}:<address/prefix>); without both the network uses DHCP", ExitCodes.InvalidArgument);
            if (BridgeProblem(bridge) is string problem)
                throw new MachineException($"--container-network {bridge}: {problem}", ExitCodes.InvalidArgument);
        }
        foreach (string keyed in gateways.Concat(ranges).Concat(dns))
        {
            string key = keyed.Split(':')[0];
            if (!bridges.Contains(key))
                throw new MachineException($"\"{keyed}\": {key} is not a --container-network bridge", ExitCodes.InvalidArgument);
        }
        return vch with
        {
            BridgeNetworkRange = range ?? vch.BridgeNetworkRange,
            ContainerNetworks = networks,
            ContainerNetworkGateways = gateways,
            ContainerNetworkIpRanges = ranges,
            ContainerNetworkDns = dns,
        };
    }

    /// <summary>The Docker network name of "&lt;bridge&gt;[:name]": the name, else the bridge (without its namespace), as vic-vch names it.</summary>
    public static string NameOf(string network)
    {
        int colon = network.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? network[(colon + 1)..] : network[(network.LastIndexOf('/') + 1)..];
    }

    /// <summary>The daemon's flags for the record (vic-vch takes the same names).</summary>
    public static IEnumerable<string> DaemonArgs(VchRecord vch) =>
        (vch.BridgeNetworkRange is string range ? new[] { "--bridge-network-range", range } : [])
            .Concat(vch.ContainerNetworks.SelectMany(n => new[] { "--container-network", n }))
            .Concat(vch.ContainerNetworkGateways.SelectMany(g => new[] { "--container-network-gateway", g }))
            .Concat(vch.ContainerNetworkIpRanges.SelectMany(r => new[] { "--container-network-ip-range", r }))
            .Concat(vch.ContainerNetworkDns.SelectMany(d => new[] { "--container-network-dns", d }));

    private static bool IsCidr(string text)
    {
        string[] parts = text.Split('/');
        return parts.Length == 2 && System.Net.IPAddress.TryParse(parts[0], out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out int prefix) && prefix is >= 1 and <= 16;
    }

    /// <summary>Why "br0" or "netns/br0" cannot carry containers, or null when it is a Linux bridge that exists.</summary>
    private static string? BridgeProblem(string uplink)
    {
        int slash = uplink.IndexOf('/', StringComparison.Ordinal);
        string? ns = slash < 0 ? null : uplink[..slash];
        string bridge = slash < 0 ? uplink : uplink[(slash + 1)..];
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (ns is null ? Array.Empty<string>() : ["-n", ns]).Concat(["-d", "link", "show", "dev", bridge]))
            start.ArgumentList.Add(arg);
        try
        {
            using var ip = Process.Start(start)!;
            string output = ip.StandardOutput.ReadToEnd();
            ip.StandardError.ReadToEnd();
            ip.WaitForExit();
            if (ip.ExitCode != 0)
                return $"no such network interface {bridge} in {(ns is null ? "the host's network namespace" : "network namespace " + ns)}";
            return output.Contains(" bridge ", StringComparison.Ordinal) ? null : $"{bridge} is not a Linux bridge (containers join a bridge)";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot run ip (iproute2): {e.Message}";
        }
    }
}
