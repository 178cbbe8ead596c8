using System.Globalization;

namespace Vic.Vch.Limits;

/// <summary>Sizes in messages, in binary units as docker prints them ("512MiB", "2GiB").</summary>
internal static class ByteText
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Format(long bytes)
    {
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString(value == Math.Floor(value) ? "0" : "0.##", CultureInfo.InvariantCulture) + Units[unit];
    }
}
