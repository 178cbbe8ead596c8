using System.Buffers.Binary;
using System.Net;

namespace Vic.Engine.Networks;

/// <summary>An ICMP echo request or reply (RFC 792) with the IPv4 addresses it travelled between.</summary>
internal sealed record IcmpEchoPacket(IPAddress Source, IPAddress Destination, bool IsRequest, ushort Id, ushort Sequence, byte Ttl,
    ReadOnlyMemory<byte> Payload)
{
    public const byte EchoReply = 0;
    public const byte EchoRequest = 8;
    private const int IpProtocolIcmp = 1;

    /// <summary>Reads an IPv4 packet as a raw ICMP socket returns it (header included). Null for anything that is not a
    /// well-formed echo request or reply: a bad checksum, a fragment, a truncated packet.</summary>
    public static IcmpEchoPacket? Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 20 || packet[0] >> 4 != 4)
            return null;
        int headerLength = (packet[0] & 0x0f) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..4]);
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[6..8]);
        // More-fragments set or an offset: a piece of a larger echo, which the kernel reassembles before a raw socket
        // sees it, so such a packet here is malformed.
        if (headerLength < 20 || totalLength < headerLength + 8 || totalLength > packet.Length || (fragment & 0x3fff) != 0
            || packet[9] != IpProtocolIcmp)
            return null;
        var icmp = packet[headerLength..totalLength];
        if (icmp[0] is not (EchoRequest or EchoReply) || icmp[1] != 0 || Checksum(icmp) != 0)
            return null;
        return new IcmpEchoPacket(new IPAddress(packet[12..16]), new IPAddress(packet[16..20]), icmp[0] == EchoRequest,
            BinaryPrimitives.ReadUInt16BigEndian(icmp[4..6]), BinaryPrimitives.ReadUInt16BigEndian(icmp[6..8]), packet[8], icmp[8..].ToArray());
    }

    /// <summary>The ICMP message alone (type, code, checksum, id, sequence, payload), for a raw socket whose kernel
    /// writes the IP header.</summary>
    public byte[] IcmpMessage()
    {
        var message = new byte[8 + Payload.Length];
        message[0] = IsRequest ? EchoRequest : EchoReply;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), Id);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), Sequence);
        Payload.Span.CopyTo(message.AsSpan(8));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), Checksum(message));
        return message;
    }

    /// <summary>The whole IPv4 packet, for a raw socket with IP_HDRINCL: it carries <see cref="Source"/> although that
    /// is none of the sender's addresses (the reply comes "from" the outside address the container pinged). The kernel
    /// fills in the IP header's checksum and ID.</summary>
    public byte[] Ipv4Packet()
    {
        byte[] message = IcmpMessage();
        var packet = new byte[20 + message.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = Ttl;
        packet[9] = IpProtocolIcmp;
        Source.TryWriteBytes(packet.AsSpan(12, 4), out _);
        Destination.TryWriteBytes(packet.AsSpan(16, 4), out _);
        message.CopyTo(packet.AsSpan(20));
        return packet;
    }

    /// <summary>The Internet checksum (RFC 1071); over a message that holds its own checksum it is 0 when intact.</summary>
    internal static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length)
            sum += (uint)data[i] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
