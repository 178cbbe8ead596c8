namespace Vic.Engine.Health;

/// <summary>One probe run: when it began and ended, its exit code (-1 when it timed out or could not run) and its
/// output (stdout and stderr together, capped as dockerd caps it).</summary>
internal sealed record ProbeResult(DateTimeOffset Start, DateTimeOffset End, int ExitCode, string Output);
