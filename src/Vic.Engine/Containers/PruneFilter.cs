using System.Globalization;
using System.Text.RegularExpressions;
using Vic.Engine.Http;

namespace Vic.Engine.Containers;

/// <summary>
/// The filters every prune takes: until (created before), label and label! (as dockerd reads them); docker image prune
/// adds dangling.
/// </summary>
internal sealed partial class PruneFilter
{
    private static readonly IReadOnlySet<string> Keys = new HashSet<string> { "until", "label", "label!" };
    private static readonly IReadOnlySet<string> ImageKeys = new HashSet<string> { "until", "label", "label!", "dangling" };
    private readonly DockerFilters _filters;
    private readonly DateTimeOffset? _until;

    private PruneFilter(DockerFilters filters, DateTimeOffset? until) => (_filters, _until) = (filters, until);

    public static PruneFilter Parse(string? json, DateTimeOffset now) => Parse(json, now, Keys);

    /// <summary>docker image prune's filters: the common ones and dangling.</summary>
    public static PruneFilter ParseForImages(string? json, DateTimeOffset now) => Parse(json, now, ImageKeys);

    private static PruneFilter Parse(string? json, DateTimeOffset now, IReadOnlySet<string> keys)
    {
        var filters = DockerFilters.Parse(json, keys);
        var until = filters.Get("until");
        if (until.Count > 1)
            throw new PortLayer.InvalidArgumentException("more than one until filter specified");
        return new PruneFilter(filters, until.Count == 1 ? ParseTime(until[0], now) : null);
    }

    /// <summary>
    /// docker image prune's dangling filter: true (the default) prunes only images without a tag; false every image no
    /// container uses. dockerd reads it with GetBoolOrDefault, hence its lowercase "invalid filter" message with the
    /// values as Go prints a string slice (the CLI adds its own dangling value, so a user's bad one shows beside it).
    /// </summary>
    public bool DanglingOnly
    {
        get
        {
            var values = _filters.Get("dangling");
            if (values.Count == 0)
                return true;
            bool isFalse = values.Any(v => v is "0" or "false");
            bool isTrue = values.Any(v => v is "1" or "true");
            if (values.Count > 1 || isFalse == isTrue)
                throw new PortLayer.InvalidArgumentException($"invalid filter 'dangling=[{string.Join(' ', values)}]'");
            return isTrue;
        }
    }

    public bool Matches(ContainerRecord c) => Matches(c.Info.Created, c.Config.Labels);

    /// <summary>Whether something created at <paramref name="created"/> with these labels is within the filters.</summary>
    public bool Matches(DateTimeOffset created, IReadOnlyDictionary<string, string>? labels)
    {
        if (_until is { } until && created >= until)
            return false;
        if (!_filters.MatchesLabels("label", labels))
            return false;
        // label!: a container carrying any of the listed labels (or label=value pairs) is kept.
        foreach (string unwanted in _filters.Get("label!"))
        {
            int eq = unwanted.IndexOf('=');
            string name = eq < 0 ? unwanted : unwanted[..eq];
            if (labels is not null && labels.TryGetValue(name, out var value) && (eq < 0 || value == unwanted[(eq + 1)..]))
                return false;
        }
        return true;
    }

    /// <summary>A Go duration before now ("10m", "1h30m"), Unix seconds ("1700000000.5") or an RFC 3339 date/time.</summary>
    public static DateTimeOffset ParseTime(string value, DateTimeOffset now)
    {
        if (GoDuration().Match(value) is { Success: true } m)
        {
            var total = TimeSpan.Zero;
            foreach (Capture part in m.Groups["part"].Captures)
            {
                var p = GoDurationPart().Match(part.Value);
                double n = double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
                total += p.Groups[2].Value switch
                {
                    "h" => TimeSpan.FromHours(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "s" => TimeSpan.FromSeconds(n),
                    "ms" => TimeSpan.FromMilliseconds(n),
                    "us" or "µs" => TimeSpan.FromMicroseconds(n),
                    _ => TimeSpan.FromTicks((long)(n / 100)),
                };
            }
            return now - total;
        }
        if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal seconds))
            return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var date))
            return date;
        throw new PortLayer.InvalidArgumentException($"invalid filter 'until={value}': not a timestamp or a duration");
    }

    [GeneratedRegex(@"^(?<part>[0-9]+(\.[0-9]+)?(h|ms|m|s|us|µs|ns))+$")]
    private static partial Regex GoDuration();

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|µs|ns)$")]
    private static partial Regex GoDurationPart();
}
