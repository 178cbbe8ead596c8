using System.Threading.Channels;
using Vic.Engine.Health;

namespace Vic.Engine.Tests.Fakes;

/// <summary>A clock the test moves by hand: every wait is handed to the test, which fires it (time jumps by the
/// wait) when it chooses. Nothing here sleeps.</summary>
internal sealed class ManualProbeClock : IProbeClock
{
    private readonly Channel<PendingDelay> _delays = Channel.CreateUnbounded<PendingDelay>();

    /// <summary>Starts at the real time: the fake backend stamps StartedAt with it.</summary>
    public DateTimeOffset UtcNow { get; set; } = DateTimeOffset.UtcNow;

    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var pending = new PendingDelay(this, delay, cancellationToken);
        _delays.Writer.TryWrite(pending);
        return pending.Task;
    }

    /// <summary>The next wait still pending (waits cancelled meanwhile are skipped).</summary>
    public async Task<PendingDelay> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var delay = await _delays.Reader.ReadAsync(timeout.Token);
            if (!delay.Task.IsCompleted)
                return delay;
        }
    }

    internal sealed class PendingDelay
    {
        private readonly ManualProbeClock _clock;
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PendingDelay(ManualProbeClock clock, TimeSpan delay, CancellationToken cancellationToken)
        {
            _clock = clock;
            Delay = delay;
            cancellationToken.Register(() => _done.TrySetCanceled(cancellationToken));
        }

        public TimeSpan Delay { get; }
        public Task Task => _done.Task;

        public void Fire()
        {
            _clock.UtcNow += Delay;
            _done.TrySetResult();
        }
    }
}

/// <summary>A probe whose every run the test answers.</summary>
internal sealed class ScriptedProbe(ManualProbeClock clock) : IHealthProbe
{
    private readonly Channel<PendingProbe> _runs = Channel.CreateUnbounded<PendingProbe>();

    public Task<ProbeResult> RunAsync(string containerId, Models.ContainerConfig config, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var run = new PendingProbe(clock, containerId, command, cancellationToken);
        _runs.Writer.TryWrite(run);
        return run.Task;
    }

    public async Task<PendingProbe> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _runs.Reader.ReadAsync(timeout.Token);
    }

    internal sealed class PendingProbe
    {
        private readonly ManualProbeClock _clock;
        private readonly DateTimeOffset _start;
        private readonly TaskCompletionSource<ProbeResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PendingProbe(ManualProbeClock clock, string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken)
        {
            _clock = clock;
            _start = clock.UtcNow;
            ContainerId = containerId;
            Command = command;
            cancellationToken.Register(() => _result.TrySetCanceled(cancellationToken));
        }

        public string ContainerId { get; }
        public IReadOnlyList<string> Command { get; }
        public Task<ProbeResult> Task => _result.Task;

        public void Complete(int exitCode, string output = "") =>
            _result.TrySetResult(new ProbeResult(_start, _clock.UtcNow, exitCode, output));
    }
}
