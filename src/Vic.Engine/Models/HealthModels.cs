using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>
/// Config.Healthcheck as clients send it and inspect returns it. Durations are nanoseconds (Go's time.Duration on
/// the wire); zero means "inherit" (from the image at create, else the default). Test: [] inherits, ["NONE"]
/// disables, ["CMD", argv...] runs argv, ["CMD-SHELL", command] runs it with the container's shell.
/// </summary>
public sealed record HealthConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Test { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Interval { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Timeout { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long StartPeriod { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long StartInterval { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Retries { get; init; }
}

/// <summary>State.Health in inspect: present once a container with a health check has been started.</summary>
public sealed record ContainerHealth
{
    /// <summary>"starting", "healthy" or "unhealthy".</summary>
    public required string Status { get; init; }
    public int FailingStreak { get; init; }
    public List<HealthcheckResult> Log { get; init; } = [];
}

/// <summary>One probe run, as dockerd keeps the last five. Times in Go's RFC 3339 nano form.</summary>
public sealed record HealthcheckResult
{
    public required string Start { get; init; }
    public required string End { get; init; }
    public int ExitCode { get; init; }
    public string Output { get; init; } = "";
}
