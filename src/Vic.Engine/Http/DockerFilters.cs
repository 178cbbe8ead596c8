using System.Text.Json;
using Vic.PortLayer;

namespace Vic.Engine.Http;

/// <summary>
/// The <c>filters</c> query parameter: JSON <c>{"key":["v1","v2"]}</c>, or the older <c>{"key":{"v1":true}}</c>
/// form some clients still send. Keys are validated per resource with dockerd's message.
/// </summary>
internal sealed class DockerFilters
{
    private readonly Dictionary<string, List<string>> _values;

    private DockerFilters(Dictionary<string, List<string>> values) => _values = values;

    public static DockerFilters Parse(string? json, IReadOnlySet<string> acceptedKeys)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(json))
        {
            try
            {
                using var doc = JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InvalidArgumentException("invalid filter: expected a JSON object");
                foreach (var property in doc.RootElement.EnumerateObject())
                    values[property.Name] = ReadValues(property.Value);
            }
            catch (JsonException e)
            {
                throw new InvalidArgumentException("invalid filter: " + e.Message);
            }
        }
        foreach (var key in values.Keys)
        {
            if (!acceptedKeys.Contains(key))
                throw new InvalidArgumentException($"invalid filter '{key}'");
        }
        return new DockerFilters(values);
    }

    private static List<string> ReadValues(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray().Select(v => v.GetString() ?? "").ToList(),
        JsonValueKind.Object => element.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.False).Select(p => p.Name).ToList(),
        JsonValueKind.String => [element.GetString()!],
        _ => throw new InvalidArgumentException("invalid filter: values must be a list of strings"),
    };

    public bool Has(string key) => _values.ContainsKey(key);

    public IReadOnlyList<string> Get(string key) => _values.TryGetValue(key, out var v) ? v : [];

    /// <summary>Labels filter: every "key" must be present and every "key=value" must match.</summary>
    public bool MatchesLabels(string key, IReadOnlyDictionary<string, string>? labels)
    {
        foreach (var wanted in Get(key))
        {
            int eq = wanted.IndexOf('=');
            string name = eq < 0 ? wanted : wanted[..eq];
            if (labels is null || !labels.TryGetValue(name, out var actual))
                return false;
            if (eq >= 0 && actual != wanted[(eq + 1)..])
                return false;
        }
        return true;
    }

    /// <summary>A boolean filter value; dockerd accepts true/false/1/0.</summary>
    public bool? Bool(string key)
    {
        var values = Get(key);
        if (values.Count == 0)
            return null;
        return values[0].ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new InvalidArgumentException($"Invalid filter '{key}={values[0]}'"),
        };
    }
}
