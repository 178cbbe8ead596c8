using System.Net;
using Vic.Engine.Networks;

namespace Vic.Engine.Tests;

public sealed class IcmpEchoPacketTests
{
    // An echo request as busybox ping sent it from 172.16.0.2 to 10.234.0.2 (id 0x1c2b, seq 3, 8 bytes of payload),
    // with the IP header's checksum and the ICMP checksum as on the wire.
    private static readonly byte[] Request =
    [
        0x45, 0x00, 0x00, 0x24, 0x4a, 0x10, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 172, 16, 0, 2, 10, 234, 0, 2,
        0x08, 0x00, 0x00, 0x00, 0x1c, 0x2b, 0x00, 0x03, 1, 2, 3, 4, 5, 6, 7, 8,
    ];

    private static byte[] WithIcmpChecksum(byte[] packet)
    {
        var copy = (byte[])packet.Clone();
        ushort sum = IcmpEchoPacket.Checksum(copy.AsSpan(20));
        copy[22] = (byte)(sum >> 8);
        copy[23] = (byte)sum;
        return copy;
    }

    [Fact]
    public void A_request_is_read_with_its_addresses_identifier_sequence_and_payload()
    {
        var packet = IcmpEchoPacket.Parse(WithIcmpChecksum(Request));
        Assert.NotNull(packet);
        Assert.True(packet.IsRequest);
        Assert.Equal(IPAddress.Parse("172.16.0.2"), packet.Source);
        Assert.Equal(IPAddress.Parse("10.234.0.2"), packet.Destination);
        Assert.Equal(0x1c2b, packet.Id);
        Assert.Equal(3, packet.Sequence);
        Assert.Equal(64, packet.Ttl);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, packet.Payload.ToArray());
    }

    [Fact]
    public void A_bad_checksum_a_fragment_another_protocol_or_a_short_packet_is_not_an_echo()
    {
        Assert.Null(IcmpEchoPacket.Parse(Request)); // checksum 0 is wrong for this message
        var fragment = WithIcmpChecksum(Request);
        fragment[6] = 0x20; // more fragments
        Assert.Null(IcmpEchoPacket.Parse(fragment));
        var udp = WithIcmpChecksum(Request);
        udp[9] = 17;
        Assert.Null(IcmpEchoPacket.Parse(udp));
        var unreachable = (byte[])Request.Clone();
        unreachable[20] = 3;
        Assert.Null(IcmpEchoPacket.Parse(WithIcmpChecksum(unreachable)));
        Assert.Null(IcmpEchoPacket.Parse(WithIcmpChecksum(Request).AsSpan(0, 27)));
    }

    [Fact]
    public void A_relayed_request_keeps_sequence_and_payload_under_the_new_identifier_with_a_valid_checksum()
    {
        var request = IcmpEchoPacket.Parse(WithIcmpChecksum(Request))!;
        byte[] message = (request with { Id = 0x0101 }).IcmpMessage();
        Assert.Equal(new byte[] { 8, 0 }, message[..2]);
        Assert.Equal(new byte[] { 0x01, 0x01, 0x00, 0x03, 1, 2, 3, 4, 5, 6, 7, 8 }, message[4..]);
        Assert.Equal(0, IcmpEchoPacket.Checksum(message));
    }

    [Fact]
    public void A_reply_for_the_container_is_a_whole_ipv4_packet_from_the_outside_address_that_reads_back()
    {
        var reply = new IcmpEchoPacket(IPAddress.Parse("10.234.0.2"), IPAddress.Parse("172.16.0.2"), false, 0x1c2b, 3, 63, new byte[] { 9, 9, 9 });
        byte[] packet = reply.Ipv4Packet();
        Assert.Equal(0x45, packet[0]);
        Assert.Equal(packet.Length, (packet[2] << 8) | packet[3]);
        Assert.Equal(new byte[] { 10, 234, 0, 2, 172, 16, 0, 2 }, packet[12..20]);
        // The kernel fills the IP checksum in; the packet reads back as what was written.
        var back = IcmpEchoPacket.Parse(packet);
        Assert.NotNull(back);
        Assert.False(back.IsRequest);
        Assert.Equal((reply.Source, reply.Destination, reply.Id, reply.Sequence, reply.Ttl), (back.Source, back.Destination, back.Id, back.Sequence, back.Ttl));
        Assert.Equal(new byte[] { 9, 9, 9 }, back.Payload.ToArray());
    }

    [Fact]
    public void The_original_destination_is_found_among_control_messages()
    {
        // Two cmsghdrs: an unrelated one (SOL_SOCKET, type 29, 4 bytes of data, padded to 24), then IP_ORIGDSTADDR.
        byte[] control =
        [
            20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 29, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0,
            32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0x13, 0x88, 10, 234, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.234.0.2"), 5000), LinuxSockets.OriginalDestination(control));
        Assert.Null(LinuxSockets.OriginalDestination(control.AsSpan(0, 24)));
        Assert.Null(LinuxSockets.OriginalDestination([]));
    }
}
