using System.Globalization;

namespace Vic.Tether;

/// <summary>
/// An IPv4 address with its prefix length ("172.17.0.2/16"), held in host byte order. Parsed by hand: the BCL's
/// IPAddress.Parse accepts forms such as "10.1" or "0x0a.0.0.1" that no network spec should contain.
/// </summary>
internal readonly record struct Ipv4Cidr(uint Address, int PrefixLength)
{
    public uint Netmask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint Network => Address & Netmask;

    /// <summary>True when <paramref name="address"/> is on this subnet (reachable without a router).</summary>
    public bool Contains(uint address) => (address & Netmask) == Network;

    public override string ToString() => $"{Format(Address)}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses "a.b.c.d/len"; null with <paramref name="error"/> set when the text is not one.</summary>
    public static Ipv4Cidr? Parse(string text, out string? error)
    {
        error = null;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = $"\"{text}\" has no prefix length (expected a.b.c.d/len)";
            return null;
        }
        if (ParseAddress(text[..slash]) is not uint address)
        {
            error = $"\"{text}\" is not an IPv4 address with a prefix length (expected a.b.c.d/len)";
            return null;
        }
        string prefix = text[(slash + 1)..];
        if (prefix.Length is 0 or > 2 || !prefix.All(char.IsAsciiDigit) || int.Parse(prefix, CultureInfo.InvariantCulture) > 32)
        {
            error = $"\"{text}\" has an invalid prefix length (expected 0 to 32)";
            return null;
        }
        return new Ipv4Cidr(address, int.Parse(prefix, CultureInfo.InvariantCulture));
    }

    /// <summary>Parses dotted-quad "a.b.c.d" (four decimal octets, nothing else); null when it is not one.</summary>
    public static uint? ParseAddress(string text)
    {
        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }
        uint value = 0;
        foreach (string part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0'))
            {
                return null;
            }
            uint octet = uint.Parse(part, CultureInfo.InvariantCulture);
            if (octet > 255)
            {
                return null;
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");
}
