using System.Text;
using System.Text.Json;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Images;

/// <summary>
/// The Dockerfile instructions docker commit -c and docker import -c apply to an image config (dockerd's
/// BuildFromConfig): CMD, ENTRYPOINT (JSON or shell form), ENV and LABEL (key=value pairs, or "key value"), EXPOSE,
/// USER, WORKDIR (relative to the previous one), VOLUME, STOPSIGNAL, ONBUILD, HEALTHCHECK (<see cref="HealthcheckInstruction"/>).
/// Anything else is refused with dockerd's message. Pure.
/// </summary>
internal static class ChangeInstructions
{
    private static readonly string[] ShellForm = ["/bin/sh", "-c"];

    public static ImageConfig Apply(ImageConfig config, IEnumerable<string> changes)
    {
        foreach (string raw in changes.SelectMany(c => c.Split('\n')))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            int space = line.IndexOfAny([' ', '\t']);
            string instruction = (space < 0 ? line : line[..space]).ToLowerInvariant();
            string rest = space < 0 ? "" : line[(space + 1)..].Trim();
            config = instruction switch
            {
                "cmd" => config with { Cmd = Command(rest, config.Shell) },
                "entrypoint" => config with { Entrypoint = Command(rest, config.Shell) },
                "env" => config with { Env = MergeEnv(config.Env, Pairs(rest, "ENV")) },
                "label" => config with { Labels = MergeLabels(config.Labels, Pairs(rest, "LABEL")) },
                "expose" => config with { ExposedPorts = config.ExposedPorts.Union(Words(rest, "EXPOSE").Select(Port)).Order(StringComparer.Ordinal).ToList() },
                "user" => config with { User = Single(rest, "USER") },
                "workdir" => config with { WorkingDir = WorkDir(config.WorkingDir, Single(rest, "WORKDIR")) },
                "volume" => config with { Volumes = config.Volumes.Union(JsonOrWords(rest, "VOLUME")).Order(StringComparer.Ordinal).ToList() },
                "stopsignal" => config with { StopSignal = Single(rest, "STOPSIGNAL") },
                "onbuild" => config with { OnBuild = [.. config.OnBuild ?? [], Single(rest, "ONBUILD")] },
                "healthcheck" => config with { Healthcheck = HealthcheckInstruction.Parse(rest) },
                _ => throw new InvalidArgumentException($"{instruction} is not a valid change command"),
            };
        }
        return config;
    }

    private static List<string> Command(string rest, IReadOnlyList<string>? shell)
    {
        if (TryJsonArray(rest) is { } exec)
            return exec;
        if (rest.Length == 0)
            return [];
        return [.. shell ?? ShellForm, rest];
    }

    /// <summary>A JSON array of strings (the exec form), or null for anything else (the shell form).</summary>
    internal static List<string>? TryJsonArray(string text)
    {
        if (!text.StartsWith('['))
            return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                return null;
            var items = new List<string>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                    return null;
                items.Add(item.GetString()!);
            }
            return items;
        }
        catch (JsonException)
        {
            return null; // not JSON: dockerd takes it as the shell form
        }
    }

    private static List<string> JsonOrWords(string rest, string instruction) => TryJsonArray(rest) ?? Words(rest, instruction);

    private static string Single(string rest, string instruction) =>
        rest.Length > 0 ? rest : throw new InvalidArgumentException($"{instruction} requires exactly one argument");

    private static string WorkDir(string current, string next) =>
        next.StartsWith('/') ? next : "/" + string.Join('/', (current.TrimEnd('/') + "/" + next).Split('/', StringSplitOptions.RemoveEmptyEntries));

    private static string Port(string port) => port.Contains('/') ? port.ToLowerInvariant() : port + "/tcp";

    /// <summary>"k=v k2='v 2'" as pairs; "k v w" (the legacy form) as one pair k = "v w".</summary>
    private static List<KeyValuePair<string, string>> Pairs(string rest, string instruction)
    {
        var words = Words(rest, instruction);
        if (words.Count > 0 && !words[0].Contains('='))
        {
            int space = rest.IndexOfAny([' ', '\t']);
            if (space < 0)
                throw new InvalidArgumentException($"{instruction} must have two arguments");
            return [new(words[0], rest[(space + 1)..].Trim())];
        }
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (string word in words)
        {
            int eq = word.IndexOf('=');
            if (eq <= 0)
                throw new InvalidArgumentException($"{instruction} names can not be blank");
            pairs.Add(new(word[..eq], word[(eq + 1)..]));
        }
        return pairs;
    }

    /// <summary>Splits on blanks outside quotes; quotes are removed and backslash escapes the next character.</summary>
    private static List<string> Words(string text, string instruction)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length && quote != '\'')
            {
                current.Append(text[++i]);
                inWord = true;
            }
            else if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else
                    current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                    words.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (quote != '\0')
            throw new InvalidArgumentException($"{instruction}: unmatched quote in \"{text}\"");
        if (inWord)
            words.Add(current.ToString());
        return words;
    }

    private static List<string> MergeEnv(IReadOnlyList<string> env, List<KeyValuePair<string, string>> pairs)
    {
        var result = env.ToList();
        foreach (var (key, value) in pairs)
        {
            int index = result.FindIndex(e => e == key || e.StartsWith(key + "=", StringComparison.Ordinal));
            if (index >= 0)
                result[index] = $"{key}={value}";
            else
                result.Add($"{key}={value}");
        }
        return result;
    }

    private static Dictionary<string, string> MergeLabels(IReadOnlyDictionary<string, string> labels, List<KeyValuePair<string, string>> pairs)
    {
        var result = new Dictionary<string, string>(labels);
        foreach (var (key, value) in pairs)
            result[key] = value;
        return result;
    }
}
