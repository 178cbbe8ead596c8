using System.CommandLine;
using Vic.Engine;

namespace Vic.Vch;

/// <summary>
/// Container networks of a local VCH, as VIC's flags named them: --container-network &lt;bridge&gt;[:alias] (the same
/// flag names a port group on vSphere), with --container-network-gateway/-ip-range/-dns &lt;bridge&gt;:&lt;value&gt;.
/// A bridge is "br0" in the host's network namespace or "netns/br0" in a named one.
/// </summary>
internal sealed class ContainerNetworkFlags(Option<string[]> containerNetwork)
{
    public Option<string[]> Gateway { get; } = new("--container-network-gateway") { Description = "<bridge>:<gateway/prefix> of a container network, e.g. br0:10.0.0.1/24: containers get static addresses (without it they use DHCP)" };
    public Option<string[]> IpRange { get; } = new("--container-network-ip-range") { Description = "<bridge>:<first-last or CIDR> containers' addresses come from (default: the whole subnet)" };
    public Option<string[]> Dns { get; } = new("--container-network-dns") { Description = "<bridge>:<resolver> for containers on that network (repeatable; default: the host's)" };

    public IEnumerable<Option> All => [Gateway, IpRange, Dns];

    /// <summary>The local container networks on the command line; errors name the flag and the value at fault.</summary>
    public List<ContainerNetworkOptions> Read(ParseResult parse, out List<string> errors) => Read(o => parse.GetValue(o), out errors);

    public List<ContainerNetworkOptions> Read(System.CommandLine.Parsing.CommandResult result, out List<string> errors) =>
        Read(o => result.GetValue(o), out errors);

    private List<ContainerNetworkOptions> Read(Func<Option<string[]>, string[]?> value, out List<string> errors)
    {
        errors = [];
        var networks = new List<ContainerNetworkOptions>();
        var gateways = Keyed(value(Gateway), "--container-network-gateway", errors);
        var ranges = Keyed(value(IpRange), "--container-network-ip-range", errors);
        var dns = Keyed(value(Dns), "--container-network-dns", errors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var bridges = new HashSet<string>(StringComparer.Ordinal);
        foreach (string text in value(containerNetwork) ?? [])
        {
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            string bridge = colon < 0 ? text : text[..colon];
            string name = colon < 0 ? bridge[(bridge.LastIndexOf('/') + 1)..] : text[(colon + 1)..];
            if (bridge.Length == 0 || name.Length == 0)
            {
                errors.Add($"--container-network \"{text}\": expected <bridge>[:<name>]");
                continue;
            }
            if (name is "bridge" or "host" or "none" || !names.Add(name))
                errors.Add($"--container-network \"{text}\": the name {name} is taken");
            if (!bridges.Add(bridge))
                errors.Add($"--container-network: bridge {bridge} is given twice");
            string? gateway = null;
            if (gateways.TryGetValue(bridge, out var given))
            {
                if (given.Count != 1)
                {
                    errors.Add($"--container-network-gateway: bridge {bridge} is given {given.Count} gateways");
                    continue;
                }
                gateway = given[0];
            }
            string? range = null;
            if (ranges.TryGetValue(bridge, out var r))
            {
                if (r.Count != 1 || gateway is null)
                {
                    errors.Add(gateway is null
                        ? $"--container-network-ip-range {bridge}: a static range needs the network's gateway (--container-network-gateway {bridge}:<address/prefix>); without both the network uses DHCP"
                        : $"--container-network-ip-range: bridge {bridge} is given {r.Count} ranges");
                    continue;
                }
                range = r[0];
            }
            // No gateway: a DHCP network (a DHCP server on the bridge's network gives containers their addresses).
            networks.Add(new ContainerNetworkOptions(name, bridge, gateway, range, dns.TryGetValue(bridge, out var d) ? d : []));
        }
        foreach (string orphan in gateways.Keys.Concat(ranges.Keys).Concat(dns.Keys).Where(k => !bridges.Contains(k)).Distinct())
            errors.Add($"{orphan} is not a --container-network bridge");
        return networks;
    }

    private static Dictionary<string, List<string>> Keyed(string[]? values, string flag, List<string> errors)
    {
        var keyed = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string value in values ?? [])
        {
            int colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == value.Length - 1)
            {
                errors.Add($"{flag} \"{value}\": expected <bridge>:<value>");
                continue;
            }
            string key = value[..colon];
            if (!keyed.TryGetValue(key, out var list))
                keyed[key] = list = [];
            list.Add(value[(colon + 1)..]);
        }
        return keyed;
    }
}
