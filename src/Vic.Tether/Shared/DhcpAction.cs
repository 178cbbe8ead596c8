namespace Vic.Tether;

/// <summary>What <see cref="DhcpClient"/> asks its caller to do; the caller owns the socket and the interface.</summary>
internal abstract record DhcpAction;

/// <summary>Send <paramref name="Message"/> to <paramref name="Destination"/> (255.255.255.255 to broadcast on the
/// interface; a server's address to unicast once the client has its own).</summary>
internal sealed record DhcpSend(DhcpMessage Message, uint Destination) : DhcpAction
{
    public const uint Broadcast = 0xFFFFFFFF;
}

/// <summary>The client holds <paramref name="Lease"/>: configure the interface when <paramref name="Reconfigure"/> (a
/// new address or mask), else it is a renewal of the address already configured (report it only).</summary>
internal sealed record DhcpBound(DhcpLease Lease, bool Reconfigure) : DhcpAction;

/// <summary>The client no longer holds an address (NAK, expiry, release): take it off the interface.</summary>
internal sealed record DhcpUnbound(string Reason) : DhcpAction;
