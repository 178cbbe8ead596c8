namespace Vic.Engine.Health;

/// <summary>The health monitor's view of time: the waits between probes and a probe's timeout go through it, so
/// tests drive them step by step instead of sleeping.</summary>
internal interface IProbeClock
{
    DateTimeOffset UtcNow { get; }

    /// <summary>Completes after <paramref name="delay"/>; cancelled with <paramref name="cancellationToken"/>.</summary>
    Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken);
}

/// <summary>Real time, from the engine's TimeProvider.</summary>
internal sealed class SystemProbeClock(TimeProvider time) : IProbeClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();

    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, time, cancellationToken);
}
