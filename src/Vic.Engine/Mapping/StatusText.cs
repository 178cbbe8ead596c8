using Vic.PortLayer;

namespace Vic.Engine.Mapping;

/// <summary>The human "Status" column of docker ps ("Up 3 seconds", "Exited (0) 2 minutes ago").</summary>
internal static class StatusText
{
    public static string StateName(ContainerRunState state) => state switch
    {
        ContainerRunState.Created => "created",
        ContainerRunState.Running => "running",
        ContainerRunState.Paused => "paused",
        ContainerRunState.Restarting => "restarting",
        ContainerRunState.Exited => "exited",
        ContainerRunState.Removing => "removing",
        ContainerRunState.Dead => "dead",
        _ => "unknown",
    };

    /// <param name="health">The health status when the container has one: "Up 3 seconds (healthy)", "(health: starting)".</param>
    public static string For(ContainerStatus status, DateTimeOffset now, string? health = null)
    {
        string Since(DateTimeOffset? t) => HumanDuration(now - (t ?? now));
        return status.State switch
        {
            ContainerRunState.Running when health is not null => $"Up {Since(status.StartedAt)} ({HealthText(health)})",
            ContainerRunState.Running => "Up " + Since(status.StartedAt),
            ContainerRunState.Paused => $"Up {Since(status.StartedAt)} (Paused)",
            ContainerRunState.Restarting => $"Restarting ({status.ExitCode}) {Since(status.FinishedAt)} ago",
            ContainerRunState.Exited => $"Exited ({status.ExitCode}) {Since(status.FinishedAt)} ago",
            ContainerRunState.Removing => "Removal In Progress",
            ContainerRunState.Dead => "Dead",
            _ => "Created",
        };
    }

    /// <summary>dockerd's words: "health: starting"; healthy and unhealthy speak for themselves.</summary>
    private static string HealthText(string status) => status == "starting" ? "health: starting" : status;

    /// <summary>The coarse durations the docker CLI family prints (the thresholds users are used to).</summary>
    public static string HumanDuration(TimeSpan d)
    {
        long seconds = (long)d.TotalSeconds;
        if (seconds < 1)
            return "Less than a second";
        if (seconds == 1)
            return "1 second";
        if (seconds < 60)
            return $"{seconds} seconds";
        long minutes = (long)d.TotalMinutes;
        if (minutes == 1)
            return "About a minute";
        if (minutes < 60)
            return $"{minutes} minutes";
        long hours = (long)Math.Round(d.TotalHours, MidpointRounding.AwayFromZero);
        if (hours == 1)
            return "About an hour";
        if (hours < 48)
            return $"{hours} hours";
        if (hours < 24 * 7 * 2)
            return $"{hours / 24} days";
        if (hours < 24 * 30 * 2)
            return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2)
            return $"{hours / 24 / 30} months";
        return $"{(long)d.TotalHours / 24 / 365} years";
    }
}
