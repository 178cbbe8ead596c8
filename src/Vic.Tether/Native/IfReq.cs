using System.Runtime.InteropServices;

namespace Vic.Tether.Native;

/// <summary>
/// struct ifreq (40 bytes on x86_64): a 16-byte interface name, then a 24-byte union whose members the
/// interface ioctls read at offset 16 (ifr_addr, ifr_netmask, ifr_flags, ifr_mtu, ifr_newname).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 40)]
internal unsafe struct IfReq
{
    public fixed byte Name[16];
    public fixed byte Union[24];

    public static IfReq For(string name)
    {
        var request = default(IfReq);
        Copy(name, request.Name);
        return request;
    }

    public void SetNewName(string name)
    {
        fixed (byte* p = Union)
        {
            Copy(name, p);
        }
    }

    public void SetAddress(uint address)
    {
        fixed (byte* p = Union)
        {
            SockAddrIn.Write(p, address);
        }
    }

    /// <summary>ifr_hwaddr: a struct sockaddr with sa_family ARPHRD_ETHER and the six MAC bytes in sa_data.</summary>
    public void SetHardwareAddress(ReadOnlySpan<byte> mac)
    {
        fixed (byte* p = Union)
        {
            *(ushort*)p = NetConsts.ARPHRD_ETHER;
            mac.CopyTo(new Span<byte>(p + 2, 6));
        }
    }

    public short Flags
    {
        readonly get { fixed (byte* p = Union) { return *(short*)p; } }
        set { fixed (byte* p = Union) { *(short*)p = value; } }
    }

    public int Mtu
    {
        set { fixed (byte* p = Union) { *(int*)p = value; } }
    }

    private static void Copy(string name, byte* destination)
    {
        // Names were checked to be printable ASCII of at most 15 characters; byte 15 stays the terminator.
        for (int i = 0; i < name.Length && i < 15; i++)
        {
            destination[i] = (byte)name[i];
        }
    }
}
