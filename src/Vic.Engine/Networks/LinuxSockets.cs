using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Vic.Engine.Networks;

/// <summary>
/// The Linux socket options the outbound relays need and .NET does not name: transparent sockets (IP_TRANSPARENT),
/// a datagram's original destination (IP_RECVORIGDSTADDR, read with recvmsg since .NET only surfaces IP_PKTINFO,
/// which lacks the port) and the ICMP type filter of raw sockets.
/// </summary>
internal static partial class LinuxSockets
{
    private const int SolIp = 0;
    private const int SolRaw = 255;
    private const int IpTransparent = 19;
    private const int IpRecvOrigDstAddr = 20;
    private const int IcmpFilter = 1;
    private const int MsgDontWait = 0x40;
    private const int MsgTrunc = 0x20;
    private const int EAgain = 11;

    /// <summary>Lets the socket bind to an address that is not the namespace's and receive what TPROXY hands it.</summary>
    public static void MakeTransparent(Socket socket) => socket.SetRawSocketOption(SolIp, IpTransparent, BitConverter.GetBytes(1));

    public static void ReceiveOriginalDestinations(Socket socket) => socket.SetRawSocketOption(SolIp, IpRecvOrigDstAddr, BitConverter.GetBytes(1));

    /// <summary>A raw ICMP socket gets only the given ICMP types (the kernel filters by a bit mask of types to drop).</summary>
    public static void OnlyIcmpTypes(Socket socket, params byte[] types)
    {
        uint drop = uint.MaxValue;
        foreach (byte type in types)
            drop &= ~(1u << type);
        socket.SetRawSocketOption(SolRaw, IcmpFilter, BitConverter.GetBytes(drop));
    }

    /// <summary>One queued datagram without waiting, with its sender and original destination (null when the kernel gave
    /// none: the datagram was sent to the socket itself). Returns its length, or -1 when nothing is queued. A datagram
    /// larger than <paramref name="buffer"/> is dropped (returned as length 0 with no destination).</summary>
    public static unsafe int TryReceive(Socket socket, Span<byte> buffer, out IPEndPoint? source, out IPEndPoint? originalDestination)
    {
        source = originalDestination = null;
        Span<byte> name = stackalloc byte[16];
        Span<byte> control = stackalloc byte[64];
        fixed (byte* data = buffer)
        fixed (byte* namePointer = name)
        fixed (byte* controlPointer = control)
        {
            var vector = new IoVector { Base = (nint)data, Length = (nuint)buffer.Length };
            var header = new MessageHeader
            {
                Name = (nint)namePointer,
                NameLength = (uint)name.Length,
                Vector = (nint)(&vector),
                VectorLength = 1,
                Control = (nint)controlPointer,
                ControlLength = (nuint)control.Length,
            };
            nint received = ReceiveMessage(socket.SafeHandle, ref header, MsgDontWait);
            if (received < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EAgain)
                    return -1;
                throw new SocketException(errno);
            }
            source = ParseSockaddrIn(name);
            if ((header.Flags & MsgTrunc) != 0)
                return 0;
            originalDestination = OriginalDestination(control[..(int)header.ControlLength]);
            return (int)received;
        }
    }

    /// <summary>The IP_ORIGDSTADDR message among the control messages (cmsghdr: length, level, type, data at 16).</summary>
    internal static IPEndPoint? OriginalDestination(ReadOnlySpan<byte> control)
    {
        while (control.Length >= 16)
        {
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(control);
            if (length < 16 || length > control.Length)
                return null;
            int level = BinaryPrimitives.ReadInt32LittleEndian(control[8..]);
            int type = BinaryPrimitives.ReadInt32LittleEndian(control[12..]);
            if (level == SolIp && type == IpRecvOrigDstAddr)
                return ParseSockaddrIn(control[16..length]);
            control = control[Math.Min(control.Length, (length + 7) & ~7)..];
        }
        return null;
    }

    /// <summary>sockaddr_in: family (host order), port and address (network order).</summary>
    internal static IPEndPoint? ParseSockaddrIn(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 8 || BitConverter.ToUInt16(sockaddr[..2]) != (ushort)AddressFamily.InterNetwork)
            return null;
        return new IPEndPoint(new IPAddress(sockaddr[4..8]), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..4]));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public nint Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (x86_64 and arm64 Linux share its layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public nint Name;
        public uint NameLength;
        public nint Vector;
        public nuint VectorLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint ReceiveMessage(SafeHandle socket, ref MessageHeader message, int flags);
}
