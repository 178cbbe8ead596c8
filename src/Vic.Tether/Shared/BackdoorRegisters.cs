using System.Runtime.InteropServices;

namespace Vic.Tether;

/// <summary>
/// The six registers of one VMware backdoor call (<c>in eax, dx</c> with the magic in eax), in and out. The layout
/// is what the machine-code stub in <c>Native/IoPortBackdoor.cs</c> loads and stores: six 32-bit fields in order.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BackdoorRegisters
{
    public uint Eax;
    public uint Ebx;
    public uint Ecx;
    public uint Edx;
    public uint Esi;
    public uint Edi;
}

/// <summary>One backdoor call: the hypervisor reads and rewrites the registers. The real one executes <c>in</c>;
/// tests use a fake that implements the documented protocol.</summary>
internal interface IBackdoorPort
{
    BackdoorRegisters Call(BackdoorRegisters registers);
}

/// <summary>The backdoor did not answer, or answered outside the protocol. The message says which step failed.</summary>
internal sealed class BackdoorException(string message) : Exception(message);
