namespace Vic.Tether;

/// <summary>The client no longer holds an address (NAK, expiry, release): take it off the interface.</summary>
internal sealed record DhcpUnbound(string Reason) : DhcpAction;
