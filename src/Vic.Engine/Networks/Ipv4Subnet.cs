using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>An IPv4 subnet ("172.16.0.0/16") with the arithmetic IPAM needs.</summary>
internal readonly record struct Ipv4Subnet(uint Network, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
    public uint Broadcast => Network | ~Mask;
    public uint FirstHost => Network + 1;
    public uint LastHost => Broadcast - 1;

    public override string ToString() => $"{Format(Network)}/{PrefixLength}";

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Subnet other) => Contains(other.Network) || other.Contains(Network);

    /// <summary>Parses "a.b.c.d/len"; host bits must be zero (as dockerd's IPAM wants for --subnet).</summary>
    public static Ipv4Subnet Parse(string text, string what = "subnet")
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], out int prefix) || prefix is < 1 or > 30)
            throw new InvalidArgumentException($"invalid {what} {text}: expected an IPv4 CIDR a.b.c.d/len with len 1-30");
        uint address = ParseAddress(parts[0], what);
        var subnet = new Ipv4Subnet(address & (prefix == 0 ? 0 : uint.MaxValue << (32 - prefix)), prefix);
        if (subnet.Network != address)
            throw new InvalidArgumentException($"invalid {what} {text}: it has host bits set (use {subnet})");
        return subnet;
    }

    public static uint ParseAddress(string text, string what = "address")
    {
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
            throw new InvalidArgumentException($"invalid {what} \"{text}\": expected an IPv4 address");
        return BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());
    }

    public static string Format(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }

    /// <summary>dockerd's MAC for an address: 02:42 and the four address bytes.</summary>
    public static string MacFor(uint address) =>
        $"02:42:{(address >> 24) & 0xff:x2}:{(address >> 16) & 0xff:x2}:{(address >> 8) & 0xff:x2}:{address & 0xff:x2}";
}
