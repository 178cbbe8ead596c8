using System.Globalization;
using System.Text;
using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Health;

/// <summary>
/// A probe is an exec in the containerVM through the port layer's exec sessions, as dockerd runs it: the container's
/// user and working directory, no TTY, stdout and stderr captured together up to 4096 bytes, exec_create/exec_start/
/// exec_die events, and a process still running at the timeout killed and reported as exit -1.
/// </summary>
internal sealed class ExecHealthProbe(PortLayerServices portLayer, EventBroker events, IProbeClock clock) : IHealthProbe
{
    /// <summary>dockerd's cap on the output kept per probe; longer output is cut and marked with "...".</summary>
    public const int MaxOutputBytes = 4096;

    /// <summary>How long a killed probe may take to report its exit before the monitor moves on without it.</summary>
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    private const int SigKill = 9;

    public async Task<ProbeResult> RunAsync(string containerId, ContainerConfig config, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var start = clock.UtcNow;
        string execId = ContainerIds.New();
        // dockerd's wording: the entrypoint, a space, then the arguments (so "true " for an argument-less command).
        string line = command[0] + " " + string.Join(' ', command.Skip(1));
        var idAttribute = new Dictionary<string, string> { ["execID"] = execId };
        events.Publish(containerId, "exec_create: " + line, idAttribute);
        var spec = new ExecSpec { Args = command, User = config.User, WorkingDir = config.WorkingDir };
        IExecSession session;
        try
        {
            session = await portLayer.Exec.StartAsync(containerId, spec, cancellationToken);
        }
        catch (PortLayerException e)
        {
            return new ProbeResult(start, clock.UtcNow, -1, e.Message);
        }
        await using (session)
        {
            events.Publish(containerId, "exec_start: " + line, idAttribute);
            _ = session.Exited.ContinueWith(exit => events.Publish(containerId, "exec_die", new Dictionary<string, string>
            {
                ["execID"] = execId,
                ["exitCode"] = exit.Result.ExitCode.ToString(CultureInfo.InvariantCulture),
            }), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            if (session.Pid == 0)
            {
                var failed = await session.Exited;
                return new ProbeResult(start, clock.UtcNow, -1,
                    $"OCI runtime exec failed: exec failed: unable to start container process: {failed.Error}: unknown");
            }
            return await WaitAsync(session, HealthRules.Timeout(config.Healthcheck ?? new HealthConfig()), start, cancellationToken);
        }
    }

    private async Task<ProbeResult> WaitAsync(IExecSession session, TimeSpan timeout, DateTimeOffset start, CancellationToken cancellationToken)
    {
        var output = new LimitedOutput(MaxOutputBytes);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = Task.WhenAll(ReadAsync(session, output, stopReading.Token), session.Exited);
        using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = clock.DelayAsync(timeout, stopTimer.Token);
        if (await Task.WhenAny(finished, timer) == finished)
        {
            await stopTimer.CancelAsync();
            if (finished.Exception is { } failure)
                return new ProbeResult(start, clock.UtcNow, -1, failure.GetBaseException().Message);
            return new ProbeResult(start, clock.UtcNow, (await session.Exited).ExitCode, output.Text);
        }
        // Timed out, or the monitor stopped: the process must not linger either way.
        await stopReading.CancelAsync();
        await KillAsync(session);
        cancellationToken.ThrowIfCancellationRequested();
        string text = output.Text;
        string seconds = GoDuration.Format(timeout);
        return new ProbeResult(start, clock.UtcNow, -1,
            text.Length > 0 ? $"Health check exceeded timeout ({seconds}): {text}" : $"Health check exceeded timeout ({seconds})");
    }

    private static async Task ReadAsync(IExecSession session, LimitedOutput output, CancellationToken cancellationToken)
    {
        await foreach (var chunk in session.ReadOutputAsync(cancellationToken))
            output.Append(chunk.Data.Span);
    }

    private async Task KillAsync(IExecSession session)
    {
        try
        {
            await session.SignalAsync(SigKill, CancellationToken.None);
            using var grace = new CancellationTokenSource();
            await Task.WhenAny(session.Exited, clock.DelayAsync(KillGrace, grace.Token));
            await grace.CancelAsync();
        }
        catch (PortLayerException)
        {
            // The container went away under the probe: nothing is left to kill.
        }
    }

    /// <summary>Keeps the first bytes of the output; the rest is dropped and marked with "..." as dockerd marks it.</summary>
    private sealed class LimitedOutput(int limit)
    {
        private readonly Lock _lock = new();
        private readonly MemoryStream _kept = new();
        private bool _truncated;

        public void Append(ReadOnlySpan<byte> data)
        {
            lock (_lock)
            {
                int room = limit - (int)_kept.Length;
                int keep = Math.Min(room, data.Length);
                if (keep > 0)
                    _kept.Write(data[..keep]);
                if (keep < data.Length)
                    _truncated = true;
            }
        }

        public string Text
        {
            get
            {
                lock (_lock)
                    return Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length) + (_truncated ? "..." : "");
            }
        }
    }
}
