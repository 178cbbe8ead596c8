using System.Globalization;
using System.Text;

namespace Vic.Engine.Health;

/// <summary>Go's time.Duration text ("30s", "1m0s", "1.5s", "500ms"), which dockerd prints in health-check messages,
/// and its parser (the form HEALTHCHECK options take).</summary>
internal static class GoDuration
{
    private const long Microsecond = 1_000, Millisecond = 1_000_000, Second = 1_000_000_000, Minute = 60 * Second, Hour = 60 * Minute;

    public static string Format(TimeSpan duration) => Format(duration.Ticks * 100);

    public static string Format(long nanoseconds)
    {
        if (nanoseconds == 0)
            return "0s";
        string sign = nanoseconds < 0 ? "-" : "";
        ulong u = nanoseconds < 0 ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        if (u < Second)
        {
            if (u < Microsecond)
                return $"{sign}{u}ns";
            return u < Millisecond ? sign + Fraction(u, Microsecond) + "µs" : sign + Fraction(u, Millisecond) + "ms";
        }
        var text = new StringBuilder(sign);
        ulong hours = u / Hour;
        ulong minutes = u % Hour / Minute;
        if (hours > 0)
            text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        if (hours > 0 || minutes > 0)
            text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        return text.Append(Fraction(u % Minute, Second)).Append('s').ToString();
    }

    /// <summary>value/unit with the remainder as a decimal fraction, trailing zeros dropped.</summary>
    private static string Fraction(ulong value, ulong unit)
    {
        string whole = (value / unit).ToString(CultureInfo.InvariantCulture);
        ulong rest = value % unit;
        if (rest == 0)
            return whole;
        int digits = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }

    /// <summary>Parses "1h30m", "1.5s", "500ms", "10us"... as Go's time.ParseDuration does; null when it is not one.</summary>
    public static long? Parse(string text)
    {
        string s = text;
        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
            return 0;
        if (s.Length == 0)
            return null;
        decimal total = 0;
        int i = 0;
        while (i < s.Length)
        {
            int startNumber = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
                i++;
            if (i == startNumber || !decimal.TryParse(s[startNumber..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
                return null;
            int startUnit = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
                i++;
            decimal? unit = s[startUnit..i] switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => Microsecond,
                "ms" => Millisecond,
                "s" => Second,
                "m" => Minute,
                "h" => Hour,
                _ => null,
            };
            if (unit is null)
                return null;
            total += number * unit.Value;
            if (total > long.MaxValue)
                return null;
        }
        long result = (long)total;
        return negative ? -result : result;
    }
}
