using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Vic.PortLayer;

namespace Vic.Engine.Http;

/// <summary>Query and body parsing with dockerd's conventions; bad values become InvalidArgument (400).</summary>
internal static class RequestValues
{
    /// <summary>A route value; "%2F" stays encoded in ASP.NET routing, and docker-py sends "/name" that way.</summary>
    public static string Route(HttpContext context, string name) =>
        Uri.UnescapeDataString((string)context.Request.RouteValues[name]!);

    /// <summary>dockerd's boolean form values: empty, "0", "no", "false" and "none" are false, anything else true.</summary>
    public static bool Bool(IQueryCollection query, string name, bool absent = false)
    {
        if (!query.TryGetValue(name, out var values))
            return absent;
        string s = (values.ToString() ?? "").Trim().ToLowerInvariant();
        return !(s is "" or "0" or "no" or "false" or "none");
    }

    public static string? String(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    public static int? Int(IQueryCollection query, string name)
    {
        string? s = String(query, name);
        if (string.IsNullOrEmpty(s))
            return null;
        if (!int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            throw new InvalidArgumentException($"invalid value for {name}: strconv.Atoi: parsing \"{s}\": invalid syntax");
        return value;
    }

    /// <summary>Reads a JSON body; null when the body is empty. Malformed JSON is a 400 "invalid JSON: ...".</summary>
    public static async Task<T?> JsonBodyAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
            return null;
        buffer.Position = 0;
        try
        {
            return await JsonSerializer.DeserializeAsync(buffer, typeInfo, cancellationToken)
                ?? throw new InvalidArgumentException("invalid JSON: body is null");
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException("invalid JSON: " + e.Message);
        }
    }

    /// <summary>Docker timestamps in queries: Unix seconds with an optional fraction ("1700000000.5"); null when absent.</summary>
    public static DateTimeOffset? UnixTime(IQueryCollection query, string name)
    {
        string? s = String(query, name);
        if (string.IsNullOrEmpty(s) || s == "0")
            return null;
        if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
            throw new InvalidArgumentException($"invalid value for {name}: \"{s}\" is not a Unix timestamp");
        return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }

    /// <summary>A filter's time value: Unix seconds (with fraction), RFC 3339, or a duration before now ("10m", "24h").</summary>
    public static DateTimeOffset? ParseDockerTime(string value)
    {
        if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
            return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            return when;
        if (value.Length > 1 && double.TryParse(value[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
        {
            TimeSpan? ago = value[^1] switch { 's' => TimeSpan.FromSeconds(amount), 'm' => TimeSpan.FromMinutes(amount), 'h' => TimeSpan.FromHours(amount), _ => null };
            if (ago is TimeSpan span)
                return DateTimeOffset.UtcNow - span;
        }
        throw new InvalidArgumentException($"invalid filter time value \"{value}\"");
    }
}
