using System.Globalization;

namespace Vic.Engine.Mapping;

/// <summary>Go's time formats as Docker writes them.</summary>
internal static class DockerTime
{
    /// <summary>The zero time Go prints for unset timestamps.</summary>
    public const string Zero = "0001-01-01T00:00:00Z";

    /// <summary>RFC3339Nano: UTC, fraction with trailing zeros trimmed (Go's "2006-01-02T15:04:05.999999999Z07:00").</summary>
    public static string Rfc3339Nano(DateTimeOffset? time)
    {
        if (time is not DateTimeOffset t || t == default)
            return Zero;
        var utc = t.UtcDateTime;
        string fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "Z";
    }

    /// <summary>Fixed-width nanoseconds, as docker logs --timestamps prints them (so columns line up).</summary>
    public static string Rfc3339NanoFixed(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        string fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture) + "00";
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction + "Z";
    }
}
