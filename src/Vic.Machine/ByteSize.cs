using System.Globalization;
using System.Text.RegularExpressions;

namespace Vic.Machine;

/// <summary>Sizes as docker takes them ("512m", "4g", "1.5GiB", plain bytes); binary units.</summary>
internal static partial class ByteSize
{
    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<u>[bkmgt]?)(i?b)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Size();

    public static long? Parse(string text, string option)
    {
        var match = Size().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            throw new MachineException($"invalid {option} \"{text}\": give a size such as 512m, 4g or 100GiB", ExitCodes.InvalidArgument);
        int power = "bkmgt".IndexOf(char.ToLowerInvariant(match.Groups["u"].Value is { Length: 1 } u ? u[0] : 'b'));
        double bytes = number * Math.Pow(1024, power);
        if (bytes < 1 || bytes > long.MaxValue / 2)
            throw new MachineException($"invalid {option} \"{text}\": out of range", ExitCodes.InvalidArgument);
        return (long)bytes;
    }

    /// <summary>The shortest exact form ("4g", "1536m", "1000b") so that parsing it gives the same bytes back.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["t", "g", "m", "k"];
        for (int i = 0; i < units.Length; i++)
        {
            long unit = 1L << (10 * (units.Length - i));
            if (bytes % unit == 0)
                return (bytes / unit).ToString(CultureInfo.InvariantCulture) + units[i];
        }
        return bytes.ToString(CultureInfo.InvariantCulture) + "b";
    }
}
