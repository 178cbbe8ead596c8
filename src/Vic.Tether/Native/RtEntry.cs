using System.Runtime.InteropServices;

namespace Vic.Tether.Native;

/// <summary>struct rtentry (x86_64 layout, 120 bytes; offsets checked against glibc's net/route.h) for SIOCADDRT.</summary>
[StructLayout(LayoutKind.Explicit, Size = 120)]
internal unsafe struct RtEntry
{
    [FieldOffset(8)] public fixed byte Destination[16];
    [FieldOffset(24)] public fixed byte Gateway[16];
    [FieldOffset(40)] public fixed byte Genmask[16];
    [FieldOffset(56)] public ushort Flags;
    [FieldOffset(80)] public short Metric;
    /// <summary>char* naming the device the route goes out of.</summary>
    [FieldOffset(88)] public byte* Device;
}
