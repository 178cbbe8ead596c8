namespace Vic.Tether.Native;

/// <summary>Linux networking constants (x86_64): socket(2), the interface and route ioctls of sockios.h.</summary>
internal static class NetConsts
{
    public const int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;

    public const ulong SIOCADDRT = 0x890B, SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCSIFADDR = 0x8916,
        SIOCSIFNETMASK = 0x891C, SIOCSIFMTU = 0x8922, SIOCSIFNAME = 0x8923,
        SIOCSIFHWADDR = 0x8924;

    /// <summary>sa_family of an Ethernet hardware address (SIOCSIFHWADDR).</summary>
    public const ushort ARPHRD_ETHER = 1;

    public const short IFF_UP = 0x1;

    /// <summary>setsockopt(2) at SOL_SOCKET (asm-generic/socket.h).</summary>
    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_BROADCAST = 6, SO_BINDTODEVICE = 25;

    public const short POLLIN = 0x1;

    public const ushort RTF_UP = 0x1, RTF_GATEWAY = 0x2;
}
