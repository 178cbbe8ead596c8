using System.Globalization;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>Linux signal names and numbers as docker kill / --stop-signal accept them.</summary>
internal static class Signals
{
    public const int Kill = 9;
    public const int Term = 15;

    private static readonly Dictionary<string, int> ByName = BuildTable();

    private static Dictionary<string, int> BuildTable()
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6,
            ["BUS"] = 7, ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13,
            ["ALRM"] = 14, ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["STOP"] = 19,
            ["TSTP"] = 20, ["TTIN"] = 21, ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25,
            ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28, ["IO"] = 29, ["POLL"] = 29, ["PWR"] = 30, ["SYS"] = 31,
            ["RTMIN"] = 34, ["RTMAX"] = 64,
        };
        for (int i = 1; i <= 14; i++)
            table[$"RTMIN+{i}"] = 34 + i;
        for (int i = 1; i <= 14; i++)
            table[$"RTMAX-{i}"] = 64 - i;
        return table;
    }

    /// <summary>"9", "KILL", "SIGKILL", "sigkill" → 9. Anything else is InvalidArgument "Invalid signal: x".</summary>
    public static int Parse(string raw)
    {
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            if (number is < 1 or > 64)
                throw new InvalidArgumentException($"Invalid signal: {raw}");
            return number;
        }
        string name = raw.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
            name = name[3..];
        return ByName.TryGetValue(name, out int value) ? value : throw new InvalidArgumentException($"Invalid signal: {raw}");
    }
}
