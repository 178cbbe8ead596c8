using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>The guest's monotonic clock (never stalls, see <see cref="Clock"/>) for the relaunch back-off.</summary>
internal sealed class RelaunchClock : IRelaunchClock
{
    public TimeSpan Now => TimeSpan.FromMilliseconds(Clock.MonotonicMs());

    public bool Wait(TimeSpan delay, CancellationToken cancel) => !cancel.WaitHandle.WaitOne(delay);
}
