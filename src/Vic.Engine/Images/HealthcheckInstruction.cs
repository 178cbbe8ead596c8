using System.Globalization;
using Vic.Engine.Health;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Images;

/// <summary>
/// HEALTHCHECK as a change instruction (docker commit/import -c), with the Dockerfile's syntax and messages:
/// <c>HEALTHCHECK NONE</c>, or <c>HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D]
/// [--retries=N] CMD command</c> (a JSON array runs as given, anything else through the shell). It replaces the
/// image's check as a whole. Pure.
/// </summary>
internal static class HealthcheckInstruction
{
    private static readonly string[] Flags = ["interval", "timeout", "start-period", "start-interval", "retries"];

    public static ImageHealthcheck Parse(string rest)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        string remaining = rest.Trim();
        while (remaining.StartsWith("--", StringComparison.Ordinal))
        {
            int end = remaining.IndexOfAny([' ', '\t']);
            string flag = end < 0 ? remaining : remaining[..end];
            remaining = end < 0 ? "" : remaining[end..].TrimStart();
            int eq = flag.IndexOf('=');
            string name = eq < 0 ? flag[2..] : flag[2..eq];
            if (!Flags.Contains(name))
                throw new InvalidArgumentException("Unknown flag: " + name);
            if (eq < 0)
                throw new InvalidArgumentException("Missing a value on flag: " + flag);
            options[name] = flag[(eq + 1)..];
        }
        if (remaining.Length == 0)
            throw new InvalidArgumentException("HEALTHCHECK requires at least one argument");
        int space = remaining.IndexOfAny([' ', '\t']);
        string type = (space < 0 ? remaining : remaining[..space]).ToUpperInvariant();
        string command = space < 0 ? "" : remaining[(space + 1)..].Trim();
        if (type == "NONE")
        {
            if (command.Length > 0)
                throw new InvalidArgumentException("HEALTHCHECK NONE takes no arguments");
            return new ImageHealthcheck { Test = ["NONE"] };
        }
        if (type != "CMD")
            throw new InvalidArgumentException($"Unknown type \"{type}\" in HEALTHCHECK (try CMD)");
        List<string> test = ChangeInstructions.TryJsonArray(command) is { } exec ? ["CMD", .. exec] : command.Length > 0 ? ["CMD-SHELL", command] : ["CMD"];
        if (test.Count == 1)
            throw new InvalidArgumentException("Missing command after HEALTHCHECK CMD");
        return new ImageHealthcheck
        {
            Test = test,
            Interval = Duration(options, "interval"),
            Timeout = Duration(options, "timeout"),
            StartPeriod = Duration(options, "start-period"),
            StartInterval = Duration(options, "start-interval"),
            Retries = Retries(options),
        };
    }

    private static long Duration(Dictionary<string, string> options, string name)
    {
        if (!options.TryGetValue(name, out var text) || text.Length == 0)
            return 0;
        long nanoseconds = GoDuration.Parse(text) ?? throw new InvalidArgumentException($"time: invalid duration \"{text}\"");
        if (nanoseconds != 0 && nanoseconds < 1_000_000)
            throw new InvalidArgumentException($"Interval \"{name}\" cannot be less than 1ms");
        return nanoseconds;
    }

    private static int Retries(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("retries", out var text) || text.Length == 0)
            return 0;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int retries))
            throw new InvalidArgumentException($"strconv.ParseInt: parsing \"{text}\": invalid syntax");
        return retries >= 0 ? retries : throw new InvalidArgumentException($"--retries cannot be negative ({retries})");
    }
}
