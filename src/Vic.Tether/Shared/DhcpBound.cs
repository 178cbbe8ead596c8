namespace Vic.Tether;

/// <summary>The client holds <paramref name="Lease"/>: configure the interface when <paramref name="Reconfigure"/> (a
/// new address or mask), else it is a renewal of the address already configured (report it only).</summary>
internal sealed record DhcpBound(DhcpLease Lease, bool Reconfigure) : DhcpAction;
