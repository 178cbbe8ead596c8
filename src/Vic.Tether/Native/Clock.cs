namespace Vic.Tether.Native;

/// <summary>
/// Wall and monotonic time straight from clock_gettime. DateTime.UtcNow was measured to stall the tether for
/// about a second on its first use in a fresh guest (until the kernel's random pool is ready), which would
/// delay every boot; these calls never block.
/// </summary>
internal static unsafe class Clock
{
    private const int ClockRealtime = 0;
    private const int ClockMonotonic = 1;

    public static long UnixNanos() => Read(ClockRealtime);

    public static long MonotonicMs() => Read(ClockMonotonic) / 1_000_000;

    private static long Read(int clock)
    {
        Timespec now;
        Libc.clock_gettime(clock, &now);
        return now.Seconds * 1_000_000_000 + now.Nanoseconds;
    }
}
