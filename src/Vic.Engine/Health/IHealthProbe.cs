using Vic.Engine.Models;

namespace Vic.Engine.Health;

/// <summary>Runs one health probe in a running container.</summary>
internal interface IHealthProbe
{
    /// <summary>
    /// Runs <paramref name="command"/> and returns its result: the exit code and output, or -1 with dockerd's text
    /// when it timed out (the process is killed) or could not run. Cancelling abandons the probe (its process is
    /// killed); the result is then of no interest.
    /// </summary>
    Task<ProbeResult> RunAsync(string containerId, ContainerConfig config, IReadOnlyList<string> command, CancellationToken cancellationToken);
}
