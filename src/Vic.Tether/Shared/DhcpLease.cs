namespace Vic.Tether;

/// <summary>
/// An address the client holds from a DHCP server, with the times (monotonic milliseconds) at which it must renew
/// (T1), rebind (T2) and give it up. Addresses in host byte order.
/// </summary>
internal sealed record DhcpLease(Ipv4Cidr Address, uint? Router, IReadOnlyList<uint> DnsServers, string DomainName, uint ServerId,
    uint LeaseSeconds, long RenewAtMs, long RebindAtMs, long ExpiresAtMs)
{
    /// <summary>The lease an ACK grants, received at <paramref name="nowMs"/>. T1 and T2 default to 50 % and 87.5 % of
    /// the lease (RFC 2131 section 4.4.5); a missing mask takes the address's classful one, as old servers meant.</summary>
    public static DhcpLease FromAck(DhcpMessage ack, uint serverId, long nowMs)
    {
        uint seconds = ack.LeaseSeconds ?? DhcpClient.DefaultLeaseSeconds;
        long lengthMs = seconds == uint.MaxValue ? long.MaxValue / 4 : seconds * 1000L;
        long t1 = ack.RenewalSeconds is uint r && r * 1000L < lengthMs ? r * 1000L : lengthMs / 2;
        long t2 = ack.RebindingSeconds is uint b && b * 1000L < lengthMs && b * 1000L > t1 ? b * 1000L : lengthMs * 7 / 8;
        uint mask = ack.SubnetMask != 0 ? ack.SubnetMask : ClassfulMask(ack.YourAddress);
        int prefix = System.Numerics.BitOperations.PopCount(mask);
        uint? router = ack.Routers.Count > 0 && ack.Routers[0] != 0 ? ack.Routers[0] : null;
        return new DhcpLease(new Ipv4Cidr(ack.YourAddress, prefix), router, ack.DnsServers, ack.DomainName,
            ack.ServerId != 0 ? ack.ServerId : serverId, seconds, nowMs + t1, nowMs + t2, nowMs + lengthMs);
    }

    private static uint ClassfulMask(uint address) => (address >> 24) switch
    {
        < 128 => 0xFF000000,
        < 192 => 0xFFFF0000,
        _ => 0xFFFFFF00,
    };
}
