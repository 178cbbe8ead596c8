namespace Vic.Tether.Native;

/// <summary>struct sockaddr_in for AF_INET, written into a 16-byte struct sockaddr slot.</summary>
internal static unsafe class SockAddrIn
{
    public const ushort AfInet = 2;

    /// <summary>Family in host order, port 0, address in network byte order (most significant octet first).</summary>
    public static void Write(byte* sockaddr, uint address)
    {
        new Span<byte>(sockaddr, 16).Clear();
        *(ushort*)sockaddr = AfInet;
        sockaddr[4] = (byte)(address >> 24);
        sockaddr[5] = (byte)(address >> 16);
        sockaddr[6] = (byte)(address >> 8);
        sockaddr[7] = (byte)address;
    }

    /// <summary>As <see cref="Write(byte*, uint)"/>, with a port (network byte order on the wire).</summary>
    public static void Write(byte* sockaddr, uint address, ushort port)
    {
        Write(sockaddr, address);
        sockaddr[2] = (byte)(port >> 8);
        sockaddr[3] = (byte)port;
    }
}
