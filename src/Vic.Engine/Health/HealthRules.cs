using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Health;

/// <summary>
/// dockerd's health-check rules that need no clock: where a container's check comes from (its own fields, then the
/// image's), what is refused at create, which command a probe runs, and the defaults of unset durations. Pure.
/// </summary>
internal static class HealthRules
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultStartPeriod = TimeSpan.Zero;
    public static readonly TimeSpan DefaultStartInterval = TimeSpan.FromSeconds(5);
    public const int DefaultRetries = 3;

    /// <summary>dockerd's floor for every duration that is set (container.MinimumDuration).</summary>
    private const long MinimumNanoseconds = 1_000_000;

    /// <summary>dockerd's create-time checks of the client's Healthcheck, with its words (a 400).</summary>
    public static void Validate(HealthConfig? config)
    {
        if (config is null)
            return;
        if (config.Interval != 0 && config.Interval < MinimumNanoseconds)
            throw new InvalidArgumentException("Interval in Healthcheck cannot be less than 1ms");
        if (config.Timeout != 0 && config.Timeout < MinimumNanoseconds)
            throw new InvalidArgumentException("Timeout in Healthcheck cannot be less than 1ms");
        if (config.Retries < 0)
            throw new InvalidArgumentException("Retries in Healthcheck cannot be negative");
        if (config.StartPeriod != 0 && config.StartPeriod < MinimumNanoseconds)
            throw new InvalidArgumentException("StartPeriod in Healthcheck cannot be less than 1ms");
        if (config.StartInterval != 0 && config.StartInterval < MinimumNanoseconds)
            throw new InvalidArgumentException("StartInterval in Healthcheck cannot be less than 1ms");
    }

    /// <summary>
    /// The container's check: the image's when the client sent none; otherwise each field the client left unset
    /// (empty Test, zero duration or retries) comes from the image's.
    /// </summary>
    public static HealthConfig? Merge(HealthConfig? user, HealthConfig? image)
    {
        if (image is null)
            return user;
        if (user is null)
            return image;
        return new HealthConfig
        {
            Test = user.Test is { Count: > 0 } ? user.Test : image.Test,
            Interval = user.Interval != 0 ? user.Interval : image.Interval,
            Timeout = user.Timeout != 0 ? user.Timeout : image.Timeout,
            StartPeriod = user.StartPeriod != 0 ? user.StartPeriod : image.StartPeriod,
            StartInterval = user.StartInterval != 0 ? user.StartInterval : image.StartInterval,
            Retries = user.Retries != 0 ? user.Retries : image.Retries,
        };
    }

    /// <summary>
    /// What a probe runs: CMD's argv as given, CMD-SHELL's command through the container's shell (Config.Shell, else
    /// /bin/sh -c). Null when nothing is probed: no check, NONE, an empty command or an unknown type (dockerd only
    /// logs the last).
    /// </summary>
    public static IReadOnlyList<string>? ProbeCommand(HealthConfig? config, IReadOnlyList<string>? shell)
    {
        if (config?.Test is not { Count: > 0 } test)
            return null;
        var args = test.Skip(1).ToList();
        List<string>? command = test[0] switch
        {
            "CMD" => args,
            "CMD-SHELL" => [.. shell is { Count: > 0 } ? shell : ["/bin/sh", "-c"], .. args],
            _ => null,
        };
        return command is { Count: > 0 } && command[0].Length > 0 ? command : null;
    }

    public static TimeSpan Interval(HealthConfig config) => OrDefault(config.Interval, DefaultInterval);
    public static TimeSpan Timeout(HealthConfig config) => OrDefault(config.Timeout, DefaultTimeout);
    public static TimeSpan StartPeriod(HealthConfig config) => OrDefault(config.StartPeriod, DefaultStartPeriod);
    public static TimeSpan StartInterval(HealthConfig config) => OrDefault(config.StartInterval, DefaultStartInterval);
    public static int Retries(HealthConfig config) => config.Retries > 0 ? config.Retries : DefaultRetries;

    /// <summary>
    /// The wait before the next probe (dockerd: measured from the end of the previous one). After the start period:
    /// the interval. Within it: the start interval while still starting, the interval once healthy or unhealthy, and
    /// never past the period's end, so the first probe that counts runs as the period ends.
    /// </summary>
    public static TimeSpan NextDelay(HealthConfig config, string status, DateTimeOffset startedAt, DateTimeOffset now)
    {
        var interval = Interval(config);
        var startPeriod = StartPeriod(config);
        if (startPeriod <= TimeSpan.Zero)
            return interval; // no period: a start time slightly ahead of this clock must not make one
        var remaining = startPeriod - (now - startedAt);
        if (remaining <= TimeSpan.Zero)
            return interval;
        var wanted = status == HealthStatus.Starting ? StartInterval(config) : interval;
        return wanted < remaining ? wanted : remaining;
    }

    public static HealthConfig? FromImage(ImageHealthcheck? image) => image is null ? null : new HealthConfig
    {
        Test = image.Test?.ToList(),
        Interval = image.Interval,
        Timeout = image.Timeout,
        StartPeriod = image.StartPeriod,
        StartInterval = image.StartInterval,
        Retries = image.Retries,
    };

    public static ImageHealthcheck? ToImage(HealthConfig? config) => config is null ? null : new ImageHealthcheck
    {
        Test = config.Test?.ToList(),
        Interval = config.Interval,
        Timeout = config.Timeout,
        StartPeriod = config.StartPeriod,
        StartInterval = config.StartInterval,
        Retries = config.Retries,
    };

    private static TimeSpan OrDefault(long nanoseconds, TimeSpan fallback) =>
        nanoseconds == 0 ? fallback : TimeSpan.FromTicks(nanoseconds / 100);
}

/// <summary>The health statuses dockerd reports, plus "none" (no health check) for ps filters.</summary>
internal static class HealthStatus
{
    public const string Starting = "starting";
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string None = "none";

    public static bool IsValidFilter(string value) => value is Starting or Healthy or Unhealthy or None;
}
