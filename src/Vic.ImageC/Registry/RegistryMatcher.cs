using System.Net;

namespace Vic.ImageC.Registry;

/// <summary>
/// Matches a registry's host[:port] against policy entries: "host:port" (exactly), "host" (on any port), a CIDR
/// ("10.0.0.0/8", for registries named by IP address) or a wildcard ("*.example.com", any depth of subdomain).
/// Host names compare case-insensitively.
/// </summary>
internal static class RegistryMatcher
{
    public static bool IsValidPattern(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern) || pattern.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }
        if (pattern.Contains('/'))
        {
            return IPNetwork.TryParse(pattern, out _);
        }
        string host = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern;
        return Uri.TryCreate("http://" + host + "/", UriKind.Absolute, out var uri) && uri.PathAndQuery == "/";
    }

    public static bool Matches(string pattern, string registry)
    {
        var (host, port) = Split(registry);
        if (pattern.Contains('/'))
        {
            return IPNetwork.TryParse(pattern, out var network) && IPAddress.TryParse(host, out var address) && network.Contains(address);
        }
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase);
        }
        var (patternHost, patternPort) = Split(pattern);
        return string.Equals(patternHost, host, StringComparison.OrdinalIgnoreCase) && (patternPort is null || patternPort == port);
    }

    public static bool MatchesAny(IEnumerable<string> patterns, string registry) => patterns.Any(p => Matches(p, registry));

    /// <summary>True for 127.0.0.0/8, ::1 and localhost: registries dockerd always treats as insecure.</summary>
    public static bool IsLoopback(string registry)
    {
        var (host, _) = Split(registry);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>"[::1]:5000" → ("::1", "5000"); "example.com" → ("example.com", null).</summary>
    public static (string Host, string? Port) Split(string registry)
    {
        if (!Uri.TryCreate("http://" + registry + "/", UriKind.Absolute, out var uri))
        {
            return (registry, null);
        }
        string host = uri.Host.Trim('[', ']');
        bool explicitPort = !uri.IsDefaultPort || registry.EndsWith(":80", StringComparison.Ordinal);
        return (host, explicitPort ? uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The CIDR a loopback family covers, for docker info's InsecureRegistryCIDRs.</summary>
    public static readonly string[] LoopbackCidrs = ["::1/128", "127.0.0.0/8"];
}
