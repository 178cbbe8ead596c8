namespace Vic.Tether;

/// <summary>What <see cref="DhcpClient"/> asks its caller to do; the caller owns the socket and the interface.</summary>
internal abstract record DhcpAction;
