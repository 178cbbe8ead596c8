namespace Vic.Tether;

/// <summary>Send <paramref name="Message"/> to <paramref name="Destination"/> (255.255.255.255 to broadcast on the
/// interface; a server's address to unicast once the client has its own).</summary>
internal sealed record DhcpSend(DhcpMessage Message, uint Destination) : DhcpAction
{
    public const uint Broadcast = 0xFFFFFFFF;
}
