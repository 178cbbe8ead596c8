using System.Globalization;
using Microsoft.AspNetCore.Http;
using Vic.PortLayer;

namespace Vic.Engine.Http;

/// <summary>A Docker API version ("1.44"), compared numerically per component as dockerd does.</summary>
internal readonly record struct ApiVersion(int Major, int Minor) : IComparable<ApiVersion>
{
    public static readonly ApiVersion Current = new(1, 44);
    public static readonly ApiVersion Minimum = new(1, 24);

    private const string ItemKey = "vic.engine.api-version";

    public int CompareTo(ApiVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(ApiVersion a, ApiVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(ApiVersion a, ApiVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(ApiVersion a, ApiVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ApiVersion a, ApiVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Major}.{Minor}";

    /// <summary>
    /// Splits "/v1.44/containers/json" into the version text and "/containers/json". Only paths whose first
    /// segment is 'v' followed by digits and dots carry a version (dockerd's route pattern).
    /// </summary>
    public static bool TrySplitPath(string path, out string versionText, out string rest)
    {
        versionText = "";
        rest = path;
        if (path.Length < 3 || path[0] != '/' || path[1] != 'v')
            return false;
        int end = path.IndexOf('/', 2);
        string candidate = end < 0 ? path[2..] : path[2..end];
        if (candidate.Length == 0 || !candidate.All(c => char.IsAsciiDigit(c) || c == '.'))
            return false;
        versionText = candidate;
        rest = end < 0 ? "/" : path[end..];
        return true;
    }

    /// <summary>Parses and range-checks a client's version; throws InvalidArgument with dockerd's wording.</summary>
    public static ApiVersion ParseSupported(string text)
    {
        var parts = text.Split('.');
        int major = parts.Length > 0 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;
        int minor = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var version = new ApiVersion(major, minor);
        if (version > Current)
            throw new InvalidArgumentException($"client version {text} is too new. Maximum supported API version is {Current}");
        if (version < Minimum)
            throw new InvalidArgumentException(
                $"client version {text} is too old. Minimum supported API version is {Minimum}, please upgrade your client to a newer version");
        return version;
    }

    public static ApiVersion Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var value) && value is ApiVersion v ? v : Current;

    public static void Set(HttpContext context, ApiVersion version) => context.Items[ItemKey] = version;
}
