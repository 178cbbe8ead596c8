using System.Text;
using System.Text.RegularExpressions;

namespace Vic.Engine.Containers;

/// <summary>
/// What <c>docker logs --details</c> prints before each line: the extra attributes dockerd's json-file driver records
/// with every line, chosen by the container's log options: <c>labels</c> and <c>env</c> (comma-separated names of the
/// container's labels and environment variables), <c>labels-regex</c> and <c>env-regex</c>, and <c>tag</c> (a template of
/// the container's ID, name and image). dockerd fixes them when the logger starts; labels, env and the name a tag may
/// use cannot change after create (a rename aside), so working them out when the logs are read gives the same text.
/// The local driver records none, so its lines get only the separating space, as with dockerd.
/// </summary>
internal static partial class LogAttributes
{
    /// <summary>The prefix for one line, without the separating space: "key=value,key2=value2" sorted by key, both
    /// query-escaped as Go's url.QueryEscape does; empty when there are none.</summary>
    public static string Prefix(ContainerRecord c)
    {
        var attributes = Of(c);
        return string.Join(',', attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => QueryEscape(a.Key) + "=" + QueryEscape(a.Value)));
    }

    /// <summary>The attributes json-file would record for this container.</summary>
    public static Dictionary<string, string> Of(ContainerRecord c)
    {
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        var log = c.HostConfig.LogConfig;
        if (log is null || log.Type is not ("" or LogDrivers.Default) || log.Config is not { Count: > 0 } options)
            return extra;
        var labels = c.Config.Labels ?? [];
        if (options.GetValueOrDefault("labels") is { Length: > 0 } labelNames)
        {
            foreach (string name in labelNames.Split(','))
                if (labels.TryGetValue(name, out string? value))
                    extra[name] = value;
        }
        if (Pattern(options.GetValueOrDefault("labels-regex")) is { } labelPattern)
        {
            foreach (var (key, value) in labels)
                if (labelPattern.IsMatch(key))
                    extra[key] = value;
        }
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in c.Config.Env ?? [])
            if (pair.IndexOf('=') is int eq and > 0)
                env[pair[..eq]] = pair[(eq + 1)..];
        if (options.GetValueOrDefault("env") is { Length: > 0 } envNames)
        {
            foreach (string name in envNames.Split(','))
                if (env.TryGetValue(name, out string? value))
                    extra[name] = value;
        }
        if (Pattern(options.GetValueOrDefault("env-regex")) is { } envPattern)
        {
            foreach (var (key, value) in env)
                if (envPattern.IsMatch(key))
                    extra[key] = value;
        }
        if (options.GetValueOrDefault("tag") is { Length: > 0 } tag)
            extra["tag"] = Tag(tag, c);
        return extra;
    }

    /// <summary>
    /// A log tag template with the fields dockerd's log info offers that a VCH knows ({{.ID}} is the short ID,
    /// {{.Name}} the name without "/", {{.ImageID}} the short image ID...). A field it does not know is left as written.
    /// </summary>
    public static string Tag(string template, ContainerRecord c) => TagField().Replace(template, match =>
    {
        string imageHex = c.ImageId.StartsWith("sha256:", StringComparison.Ordinal) ? c.ImageId["sha256:".Length..] : c.ImageId;
        return match.Groups[1].Value switch
        {
            "ID" => c.Id[..Math.Min(12, c.Id.Length)],
            "FullID" => c.Id,
            "Name" => c.Name.TrimStart('/'),
            "ImageID" => imageHex[..Math.Min(12, imageHex.Length)],
            "ImageFullID" => c.ImageId,
            "ImageName" => c.Config.Image,
            "DaemonName" => "docker",
            "Command" => string.Join(' ', c.Info.Spec.Process.Args),
            _ => match.Value,
        };
    });

    /// <summary>Go's url.QueryEscape: unreserved characters stay, a space is '+', every other byte of the UTF-8 is %XX.</summary>
    public static string QueryEscape(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char ch = (char)b;
            if (ch is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
                builder.Append(ch);
            else if (ch == ' ')
                builder.Append('+');
            else
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    /// <summary>A regex option; one that does not compile selects nothing (dockerd would refuse to start the logger).</summary>
    private static Regex? Pattern(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
            return null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"\{\{\s*\.(\w+)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex TagField();
}
