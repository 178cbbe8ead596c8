using System.Net;
using Vic.Engine.Models;
using Vic.ImageC;

namespace Vic.Engine.Mapping;

/// <summary>docker info's view of the VCH's registry policy: RegistryConfig as dockerd fills it, plus the VIC-only lists.</summary>
internal static class RegistryInfo
{
    private const string DockerHub = "docker.io";

    /// <summary>Loopback is always insecure (dockerd lists it as a CIDR); CIDR entries join it; named registries get an IndexConfig.</summary>
    public static RegistryServiceConfig From(RegistryPolicy policy)
    {
        // dockerd shows mirrors normalised with a trailing slash.
        List<string> mirrors = [.. policy.Mirrors.Select(m => m.TrimEnd('/') + "/")];
        var cidrs = new List<string> { "::1/128", "127.0.0.0/8" };
        cidrs.AddRange(policy.InsecureRegistries.Where(IsCidr));
        var indexes = new Dictionary<string, IndexInfo>(StringComparer.Ordinal)
        {
            [DockerHub] = new(DockerHub, mirrors, Secure: true, Official: true),
        };
        foreach (string name in policy.InsecureRegistries.Where(r => !IsCidr(r)))
            indexes[name] = new IndexInfo(name, [], Secure: false, Official: false);
        return new RegistryServiceConfig
        {
            InsecureRegistryCIDRs = cidrs.Distinct(StringComparer.Ordinal).ToList(),
            IndexConfigs = indexes,
            Mirrors = mirrors,
        };
    }

    /// <summary>Whitelist, blacklist and extra CAs have no RegistryConfig field: they show among the status lines.</summary>
    public static IEnumerable<List<string>> Status(RegistryPolicy policy)
    {
        if (policy.Whitelist.Count > 0)
            yield return ["Registry Whitelist", string.Join(", ", policy.Whitelist)];
        if (policy.Blacklist.Count > 0)
            yield return ["Registry Blacklist", string.Join(", ", policy.Blacklist)];
        if (policy.CaCertificateFiles.Count > 0)
            yield return ["Registry CA Certificates", policy.CaCertificateFiles.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)];
    }

    private static bool IsCidr(string entry) => entry.Contains('/') && IPNetwork.TryParse(entry, out _);
}
