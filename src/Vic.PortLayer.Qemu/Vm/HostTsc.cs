using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// The host's TSC rate in kHz, handed to guests as tsc_early_khz. Under TCG the guest's TSC is the host's TSC,
/// and on a loaded host the guest kernel's own calibration against the emulated PIT fails ("Unable to calibrate
/// against PIT") and boot then hangs; telling it the rate skips calibration. Measured by reading the TSC around a
/// short sleep (the only source that is right on every x86 host); /proc/cpuinfo is the fallback.
/// </summary>
internal static unsafe partial class HostTsc
{
    private static readonly Lazy<long> Khz = new(Measure);

    /// <summary>TSC kHz, or 0 when it cannot be known (the guest then calibrates on its own).</summary>
    public static long KiloHertz => Khz.Value;

    private static long Measure()
    {
        try
        {
            long measured = MeasureWithRdtsc();
            if (measured > 0)
                return measured;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
        }
        return FromCpuInfo();
    }

    private static long MeasureWithRdtsc()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return 0;
        delegate* unmanaged<ulong> rdtsc = CreateRdtsc();
        if (rdtsc == null)
            return 0;
        var samples = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            ulong t0 = rdtsc();
            long s0 = Stopwatch.GetTimestamp();
            Thread.Sleep(20);
            ulong t1 = rdtsc();
            long s1 = Stopwatch.GetTimestamp();
            double ms = (s1 - s0) * 1000.0 / Stopwatch.Frequency;
            if (ms > 0)
                samples.Add((long)((t1 - t0) / ms));
        }
        samples.Sort();
        return samples.Count == 0 ? 0 : samples[samples.Count / 2];
    }

    /// <summary>A 10-byte function: rdtsc; shl rdx,32; or rax,rdx; ret. Mapped once, never freed.</summary>
    private static delegate* unmanaged<ulong> CreateRdtsc()
    {
        ReadOnlySpan<byte> code = [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];
        nint page = Mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == -1 || page == 0)
            return null;
        code.CopyTo(new Span<byte>((void*)page, code.Length));
        if (Mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0)
            return null;
        return (delegate* unmanaged<ulong>)page;
    }

    private static long FromCpuInfo()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
            if (line is not null && double.TryParse(line[(line.IndexOf(':') + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz))
                return (long)(mhz * 1000);
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private const int PROT_READ = 1;
    private const int PROT_WRITE = 2;
    private const int PROT_EXEC = 4;
    private const int MAP_PRIVATE = 2;
    private const int MAP_ANONYMOUS = 0x20;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(nint addr, nuint length, int prot);
}
