namespace Vic.ImageC;

/// <summary>
/// Which registries a VCH may talk to and how (set with vic-machine at create time). Entries name registries as
/// host[:port]; insecure, whitelist and blacklist entries may also be CIDRs ("10.0.0.0/8", matched when the host is
/// an IP address) or wildcards ("*.example.com"). Loopback registries are always insecure-allowed, as in dockerd.
/// </summary>
public sealed record RegistryPolicy
{
    /// <summary>Registries reached over HTTPS without certificate verification, else plain HTTP.</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>PEM files of extra CA certificates trusted for every registry, besides the system's.</summary>
    public IReadOnlyList<string> CaCertificateFiles { get; init; } = [];

    /// <summary>When not empty, every other registry is refused.</summary>
    public IReadOnlyList<string> Whitelist { get; init; } = [];

    /// <summary>Registries always refused.</summary>
    public IReadOnlyList<string> Blacklist { get; init; } = [];

    /// <summary>Mirrors of Docker Hub ("https://mirror.example.com", "http://127.0.0.1:5001"), tried in order for pulls from docker.io.</summary>
    public IReadOnlyList<string> Mirrors { get; init; } = [];

    /// <summary>Proxy for plain-HTTP registry requests ("http://proxy:3128", credentials allowed in the URL).</summary>
    public string? HttpProxy { get; init; }

    /// <summary>Proxy for HTTPS registry requests (reached with CONNECT).</summary>
    public string? HttpsProxy { get; init; }

    /// <summary>Registries reached without a proxy: host[:port], CIDR, *.domain, .domain, or "*". Loopback always is.</summary>
    public IReadOnlyList<string> NoProxy { get; init; } = [];

    /// <summary>A proxy URL as docker info shows it: a password in it masked ("http://user:xxxxx@proxy:3128/"), as dockerd does.</summary>
    public static string MaskedProxy(string? url)
    {
        if (string.IsNullOrEmpty(url))
            return "";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.UserInfo.Contains(':'))
            return url;
        return new UriBuilder(uri) { Password = "xxxxx" }.Uri.ToString();
    }

    internal void Validate()
    {
        foreach (var (flag, proxy) in new[] { ("HTTP", HttpProxy), ("HTTPS", HttpsProxy) })
        {
            if (!string.IsNullOrEmpty(proxy)
                && (!Uri.TryCreate(proxy, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery.Trim('/').Length > 0))
            {
                throw new ArgumentException($"invalid {flag} proxy \"{proxy}\": use http://host:port (credentials may be given as http://user:password@host:port)");
            }
        }
        foreach (string entry in InsecureRegistries.Concat(Whitelist).Concat(Blacklist))
        {
            if (!Registry.RegistryMatcher.IsValidPattern(entry))
            {
                throw new ArgumentException($"invalid registry \"{entry}\": use host[:port], a CIDR or *.domain");
            }
        }
        foreach (string mirror in Mirrors)
        {
            if (!Uri.TryCreate(mirror, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery.Trim('/').Length > 0)
            {
                throw new ArgumentException($"invalid registry mirror \"{mirror}\": use http(s)://host[:port]");
            }
        }
        foreach (string file in CaCertificateFiles)
        {
            if (!File.Exists(file))
            {
                throw new ArgumentException($"registry CA certificate file {file} does not exist");
            }
        }
    }
}
