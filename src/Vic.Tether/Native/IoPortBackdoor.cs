using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Vic.Tether.Native;

/// <summary>
/// The real backdoor: <c>in eax, dx</c> on I/O port 0x5658 with all six registers loaded. C# cannot emit
/// <c>in</c>, so a 44-byte x86-64 stub is copied into an executable page and called through an unmanaged function
/// pointer. ioperm opens just the backdoor's ports to this thread (PID 1 has CAP_SYS_RAWIO); without it the CPU
/// faults the <c>in</c> at user level, unless the hypervisor intercepts it first as VMware does.
/// </summary>
internal sealed unsafe class IoPortBackdoor : IBackdoorPort
{
    // void stub(BackdoorRegisters* r), System V ABI (r in rdi); rbx is callee-saved, the rest may be clobbered:
    //   push rbx; push rdi
    //   mov eax,[rdi]; mov ebx,[rdi+4]; mov ecx,[rdi+8]; mov edx,[rdi+12]; mov esi,[rdi+16]; mov edi,[rdi+20]
    //   in eax,dx
    //   xchg rdi,[rsp]            ; rdi = r again, the returned edi kept on the stack
    //   mov [rdi],eax; mov [rdi+4],ebx; mov [rdi+8],ecx; mov [rdi+12],edx; mov [rdi+16],esi
    //   pop rax; mov [rdi+20],eax
    //   pop rbx; ret
    private static ReadOnlySpan<byte> Stub =>
    [
        0x53, 0x57, 0x8b, 0x07, 0x8b, 0x5f, 0x04, 0x8b, 0x4f, 0x08, 0x8b, 0x57, 0x0c, 0x8b, 0x77, 0x10,
        0x8b, 0x7f, 0x14, 0xed, 0x48, 0x87, 0x3c, 0x24, 0x89, 0x07, 0x89, 0x5f, 0x04, 0x89, 0x4f, 0x08,
        0x89, 0x57, 0x0c, 0x89, 0x77, 0x10, 0x58, 0x89, 0x47, 0x14, 0x5b, 0xc3,
    ];

    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 2, MapAnonymous = 0x20;

    private readonly delegate* unmanaged<BackdoorRegisters*, void> _call;

    private IoPortBackdoor(delegate* unmanaged<BackdoorRegisters*, void> call) => _call = call;

    /// <summary>Maps the stub and opens the port to the calling thread; every <see cref="Call"/> must come from that thread.</summary>
    public static IoPortBackdoor Open()
    {
        void* page = Libc.mmap(null, 4096, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (page == (void*)-1)
        {
            throw new TetherException($"VMware backdoor: mmap for the port stub: {Sys.Describe(Sys.LastErrno)}");
        }
        Stub.CopyTo(new Span<byte>(page, Stub.Length));
        // Written, then made executable and read-only: never writable and executable at once.
        Sys.Check(Libc.mprotect(page, 4096, ProtRead | ProtExec), "VMware backdoor: mprotect the port stub");
        // A 32-bit `in` touches four consecutive ports, and the permission check covers all four.
        Sys.Check(Libc.ioperm(VmwareBackdoor.Port, 4, 1), $"VMware backdoor: ioperm ports 0x{VmwareBackdoor.Port:x4}-0x{VmwareBackdoor.Port + 3:x4}");
        return new IoPortBackdoor((delegate* unmanaged<BackdoorRegisters*, void>)page);
    }

    public BackdoorRegisters Call(BackdoorRegisters registers)
    {
        _call(&registers);
        return registers;
    }

    /// <summary>The hypervisor vendor of CPUID leaf 0x40000000 ("VMwareVMware", "TCGTCGTCGTCG"), empty when the
    /// CPU reports no hypervisor (leaf 1, ecx bit 31).</summary>
    public static string CpuidHypervisorVendor()
    {
        if (!X86Base.IsSupported || (X86Base.CpuId(1, 0).Ecx & (1 << 31)) == 0)
        {
            return "";
        }
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0x40000000, 0);
        Span<byte> vendor = stackalloc byte[12];
        BitConverter.TryWriteBytes(vendor[..4], ebx);
        BitConverter.TryWriteBytes(vendor[4..8], ecx);
        BitConverter.TryWriteBytes(vendor[8..], edx);
        return Encoding.ASCII.GetString(vendor).TrimEnd('\0');
    }
}
