using System.Globalization;
using System.Text.RegularExpressions;

namespace Vic.PortLayer.Qemu.Storage;

/// <summary>Volume names and create options, checked with dockerd's wording (its local driver's rules).</summary>
internal static partial class VolumeOptions
{
    public const string Capacity = "Capacity";
    public const string VolumeStore = "VolumeStore";
    public const long DefaultCapacityBytes = 1L << 30;
    /// <summary>ext4 with a journal needs a few MiB to be useful.</summary>
    public const long MinimumCapacityBytes = 8L << 20;
    public const long MaximumCapacityBytes = 16L << 40;

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")]
    private static partial Regex SizePattern();

    public static void ValidateName(string name)
    {
        if (name.Length == 1)
            throw new InvalidArgumentException($"create {name}: volume name is too short, names should be at least two alphanumeric characters");
        if (!NamePattern().IsMatch(name))
            throw new InvalidArgumentException(
                $"create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
    }

    /// <summary>Capacity and store label from the options (keys case-insensitive, as VIC took them).</summary>
    public static (long CapacityBytes, string? Store) Parse(string name, IReadOnlyDictionary<string, string> options)
    {
        long capacity = DefaultCapacityBytes;
        string? store = null;
        foreach (var (key, value) in options)
        {
            if (key.Equals(Capacity, StringComparison.OrdinalIgnoreCase))
                capacity = ParseCapacity(name, value);
            else if (key.Equals(VolumeStore, StringComparison.OrdinalIgnoreCase))
                store = value;
            else
                throw new InvalidArgumentException($"create {name}: invalid option: \"{key}\"");
        }
        return (capacity, store);
    }

    /// <summary>
    /// "2GB", "512MiB", "1g", "1.5T"; units are binary (as docker's size flags). A bare number is MiB, as VIC's
    /// Capacity option was.
    /// </summary>
    public static long ParseCapacity(string name, string text)
    {
        var m = SizePattern().Match(text);
        if (!m.Success)
            throw new InvalidArgumentException($"create {name}: invalid capacity \"{text}\": expected a size such as 512MB or 2GB");
        double number = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        long unit = m.Groups[2].Value.ToLowerInvariant() switch
        {
            "" => 1L << 20,
            "b" => 1,
            "k" or "kb" or "kib" => 1L << 10,
            "m" or "mb" or "mib" => 1L << 20,
            "g" or "gb" or "gib" => 1L << 30,
            "t" or "tb" or "tib" => 1L << 40,
            _ => throw new InvalidArgumentException($"create {name}: invalid capacity \"{text}\": unknown unit \"{m.Groups[2].Value}\""),
        };
        double bytes = number * unit;
        if (bytes < MinimumCapacityBytes || bytes > MaximumCapacityBytes)
            throw new InvalidArgumentException($"create {name}: invalid capacity \"{text}\": must be between 8MiB and 16TiB");
        // Whole MiB: the disk and the filesystem on it need no odd tail.
        return ((long)bytes + (1L << 20) - 1) & ~((1L << 20) - 1);
    }
}
