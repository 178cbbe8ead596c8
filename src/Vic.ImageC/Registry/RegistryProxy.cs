using System.Net;

namespace Vic.ImageC.Registry;

/// <summary>
/// The VCH's HTTP(S) proxies for registry traffic, from its policy rather than from the daemon's environment: what
/// a VCH uses is part of its configuration (set with vic-machine, shown in docker info), the same on every start
/// whichever shell started it. Loopback registries and <see cref="RegistryPolicy.NoProxy"/> entries go direct.
/// </summary>
internal sealed class RegistryProxy : IWebProxy
{
    private readonly Uri? _http;
    private readonly Uri? _https;
    private readonly IReadOnlyList<string> _noProxy;

    public RegistryProxy(RegistryPolicy policy)
    {
        _http = policy.HttpProxy is { Length: > 0 } h ? new Uri(h) : null;
        _https = policy.HttpsProxy is { Length: > 0 } s ? new Uri(s) : null;
        _noProxy = policy.NoProxy;
        // Credentials in a proxy URL ("http://user:secret@proxy:3128") answer the proxy's 407.
        string? userInfo = (_https ?? _http)?.UserInfo;
        if (!string.IsNullOrEmpty(userInfo))
        {
            string[] parts = userInfo.Split(':', 2);
            Credentials = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
        }
    }

    public static bool IsConfigured(RegistryPolicy policy) => !string.IsNullOrEmpty(policy.HttpProxy) || !string.IsNullOrEmpty(policy.HttpsProxy);

    public ICredentials? Credentials { get; set; }

    /// <summary>The proxy for a request's scheme; null (direct) when none is set for it.</summary>
    public Uri? GetProxy(Uri destination) => IsBypassed(destination) ? null : destination.Scheme == Uri.UriSchemeHttps ? _https : _http;

    public bool IsBypassed(Uri host) => RegistryMatcher.IsLoopback(host.Authority) || Bypasses(_noProxy, host.Authority);

    /// <summary>
    /// NO_PROXY as tools commonly read it: "*" for everything, host[:port], a CIDR, "*.domain", and ".domain" or a
    /// bare domain, which also cover every name below it.
    /// </summary>
    public static bool Bypasses(IEnumerable<string> entries, string authority)
    {
        var (host, _) = RegistryMatcher.Split(authority);
        foreach (string raw in entries)
        {
            string entry = raw.Trim();
            if (entry.Length == 0)
                continue;
            if (entry == "*")
                return true;
            if (entry.StartsWith('.'))
            {
                if (host.EndsWith(entry, StringComparison.OrdinalIgnoreCase) || host.Equals(entry[1..], StringComparison.OrdinalIgnoreCase))
                    return true;
                continue;
            }
            if (RegistryMatcher.Matches(entry, authority))
                return true;
            if (!entry.Contains('/') && !entry.Contains(':') && !IPAddress.TryParse(entry, out _)
                && host.EndsWith("." + entry, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}
