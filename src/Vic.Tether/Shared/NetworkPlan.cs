using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>One NIC as the tether configures it: the spec, parsed and checked.</summary>
/// <param name="Dhcp">Set when the address comes from DHCP: <paramref name="Address"/> is then 0.0.0.0/0 and
/// <paramref name="Gateway"/> null until a lease says otherwise.</param>
internal sealed record InterfacePlan(string Mac, string Name, Ipv4Cidr Address, uint? Gateway, int Mtu, DhcpSpec? Dhcp = null)
{
    /// <summary>Whether this NIC carries the VM's default route (a static gateway, or a DHCP lease's router).</summary>
    public bool Routes => Gateway is not null || Dhcp is { DefaultRoute: true };
}

/// <summary>
/// Checks the spec's interfaces before anything is touched, so a bad spec fails with a message naming the
/// interface and the field, never halfway through configuring the guest.
/// </summary>
internal static class NetworkPlan
{
    /// <summary>The kernel's IFNAMSIZ less the terminating NUL.</summary>
    public const int MaxNameLength = 15;

    /// <summary>IPv4's minimum MTU; virtio-net's maximum.</summary>
    public const int MinMtu = 68, MaxMtu = 65535;

    public static IReadOnlyList<InterfacePlan>? Build(IReadOnlyList<NetworkInterfaceSpec> interfaces, out string? error)
    {
        error = null;
        var plans = new List<InterfacePlan>();
        foreach (NetworkInterfaceSpec spec in interfaces)
        {
            string what = $"network interface {spec.Name}";
            if (!IsValidName(spec.Name))
            {
                error = $"network interface name \"{spec.Name}\" is not valid (1 to {MaxNameLength} printable ASCII characters, no '/' or ':', not \"lo\")";
                return null;
            }
            if (NormalizeMac(spec.Mac) is not string mac)
            {
                error = $"{what}: \"{spec.Mac}\" is not a MAC address (expected six hex pairs separated by ':')";
                return null;
            }
            Ipv4Cidr address = default;
            if (spec.Dhcp is not null)
            {
                if (spec.Address.Length > 0 || spec.Gateway.Length > 0)
                {
                    error = $"{what}: a DHCP interface takes no static address or gateway";
                    return null;
                }
            }
            else if (Ipv4Cidr.Parse(spec.Address, out string? addressError) is Ipv4Cidr parsed)
            {
                address = parsed;
            }
            else
            {
                error = $"{what}: address {addressError}";
                return null;
            }
            uint? gateway = null;
            if (spec.Gateway.Length > 0)
            {
                gateway = Ipv4Cidr.ParseAddress(spec.Gateway);
                if (gateway is null)
                {
                    error = $"{what}: gateway \"{spec.Gateway}\" is not an IPv4 address";
                    return null;
                }
                // The kernel only takes a gateway it can reach on a connected subnet.
                if (!address.Contains(gateway.Value) || gateway.Value == address.Address)
                {
                    error = $"{what}: gateway {spec.Gateway} is not another address on the interface's subnet {Ipv4Cidr.Format(address.Network)}/{address.PrefixLength}";
                    return null;
                }
            }
            if (spec.Mtu != 0 && spec.Mtu is < MinMtu or > MaxMtu)
            {
                error = $"{what}: MTU {spec.Mtu} is out of range ({MinMtu} to {MaxMtu}, or 0 for the default)";
                return null;
            }
            if (plans.Any(p => p.Name == spec.Name))
            {
                error = $"{what}: the name is given to more than one interface";
                return null;
            }
            if (plans.FirstOrDefault(p => p.Mac == mac) is InterfacePlan same)
            {
                error = $"{what}: MAC {mac} is also given to {same.Name}";
                return null;
            }
            var plan = new InterfacePlan(mac, spec.Name, address, gateway, spec.Mtu, spec.Dhcp);
            if (plan.Routes && plans.FirstOrDefault(p => p.Routes) is InterfacePlan routed)
            {
                error = $"{what}: only one interface may have a gateway (the default route is already via {routed.Name})";
                return null;
            }
            plans.Add(plan);
        }
        return plans;
    }

    /// <summary>Lower-case "xx:xx:xx:xx:xx:xx" (the form /sys/class/net/*/address uses), or null when it is not a MAC.</summary>
    public static string? NormalizeMac(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !p.All(char.IsAsciiHexDigit)))
        {
            return null;
        }
        return text.ToLowerInvariant();
    }

    /// <summary>The six bytes of a MAC written as <see cref="NormalizeMac"/> accepts it.</summary>
    public static bool TryParseMac(string text, out byte[] bytes)
    {
        bytes = [];
        if (NormalizeMac(text) is not string mac)
        {
            return false;
        }
        bytes = mac.Split(':').Select(p => Convert.ToByte(p, 16)).ToArray();
        return true;
    }

    /// <summary>The kernel's rules for an interface name (dev_valid_name), and "lo" is the loopback's.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength && name is not "." and not ".." and not "lo"
        && name.All(c => c is > ' ' and < (char)0x7f and not '/' and not ':');
}
