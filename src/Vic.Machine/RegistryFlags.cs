using System.CommandLine;

namespace Vic.Machine;

/// <summary>vic-machine's registry policy options (create; configure through LocalConfigureOptions), validated before anything changes.</summary>
internal sealed class RegistryFlags
{
    public Option<string[]> Insecure { get; } = new("--insecure-registry")
    {
        Description = "Registry (host[:port] or CIDR) to use without TLS verification, or over HTTP; repeatable. Loopback always is",
    };

    public Option<string[]> Ca { get; } = new("--registry-ca") { Description = "PEM file of a CA certificate to trust for registries; repeatable" };

    public Option<string[]> Whitelist { get; } = new("--whitelist-registry")
    {
        Description = "Allow only these registries (host[:port], CIDR or *.domain); repeatable",
    };

    public Option<string[]> Mirror { get; } = new("--registry-mirror") { Description = "Docker Hub mirror (http(s)://host[:port]); repeatable" };

    public Option<string?> HttpProxy { get; } = new("--http-proxy")
    {
        Description = "Proxy for plain-HTTP registry requests, http://[user:password@]host:port (\"\" clears it on configure)",
    };

    public Option<string?> HttpsProxy { get; } = new("--https-proxy")
    {
        Description = "Proxy for HTTPS registry requests, http://[user:password@]host:port (\"\" clears it on configure)",
    };

    public Option<string[]> NoProxy { get; } = new("--no-proxy")
    {
        Description = "Registries reached without the proxies (host[:port], CIDR, *.domain, .domain; comma-separated or repeated); loopback always is",
    };

    public IEnumerable<Option> All => [Insecure, Ca, Whitelist, Mirror, HttpProxy, HttpsProxy, NoProxy];

    /// <summary>
    /// A proxy URL: http(s)://[user:password@]host[:port] and nothing after it; null or "" for none. The VCH uses only
    /// the proxies it is given here, never the environment vic-machine runs in.
    /// </summary>
    public static string? ValidateProxy(string? url, string flag)
    {
        if (string.IsNullOrEmpty(url))
            return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath.Trim('/').Length > 0)
            throw new MachineException($"invalid {flag} \"{url}\": use http://[user:password@]host:port", ExitCodes.InvalidArgument);
        return url;
    }

    /// <summary>NO_PROXY entries, split at commas.</summary>
    public static List<string> ValidateNoProxy(IEnumerable<string> values)
    {
        var list = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        foreach (string entry in list)
        {
            if (entry.Contains("://", StringComparison.Ordinal) || (entry.Contains('/') && !System.Net.IPNetwork.TryParse(entry, out _)))
                throw new MachineException($"invalid --no-proxy entry \"{entry}\": use host[:port], a CIDR, *.domain, .domain or *", ExitCodes.InvalidArgument);
        }
        return list;
    }

    /// <summary>Checks the values; returns them with CA paths made absolute.</summary>
    public (List<string> Insecure, List<string> Cas, List<string> Whitelist, List<string> Mirrors) Validate(ParseResult parse) =>
        (ValidateRegistries(parse.GetValue(Insecure) ?? [], Insecure.Name),
         (parse.GetValue(Ca) ?? []).Select(ValidateCa).ToList(),
         ValidateRegistries(parse.GetValue(Whitelist) ?? [], Whitelist.Name),
         ValidateMirrors(parse.GetValue(Mirror) ?? []));

    /// <summary>Where a VCH's copies of its registry CAs are, inside its directory.</summary>
    public const string CaDirectory = "registry-ca";

    /// <summary>host[:port], a CIDR or *.domain each (URLs and paths refused).</summary>
    public static List<string> ValidateRegistries(IEnumerable<string> entries, string flag)
    {
        var list = entries.ToList();
        foreach (string entry in list)
        {
            if (string.IsNullOrWhiteSpace(entry) || entry.Contains("://", StringComparison.Ordinal) || (entry.Contains('/') && !System.Net.IPNetwork.TryParse(entry, out _)))
                throw new MachineException($"invalid registry \"{entry}\" ({flag}): use host[:port], a CIDR or *.domain", ExitCodes.InvalidArgument);
        }
        return list;
    }

    /// <summary>The absolute path of a PEM certificate file.</summary>
    public static string ValidateCa(string file)
    {
        string full = Path.GetFullPath(file);
        if (!File.Exists(full) || !File.ReadAllText(full).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            throw new MachineException($"--registry-ca {file}: not a PEM certificate file", ExitCodes.InvalidArgument);
        return full;
    }

    public static List<string> ValidateMirrors(IEnumerable<string> mirrors)
    {
        var list = mirrors.ToList();
        foreach (string mirror in list)
        {
            if (!Uri.TryCreate(mirror, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath.Trim('/').Length > 0)
                throw new MachineException($"invalid --registry-mirror \"{mirror}\": use http(s)://host[:port]", ExitCodes.InvalidArgument);
        }
        return list;
    }

    /// <summary>Copies the CA files into the VCH directory, so the VCH does not depend on files outside it.</summary>
    public static List<string> CopyCas(IReadOnlyList<string> files, string vchDirectory)
    {
        var copies = new List<string>();
        if (files.Count == 0)
            return copies;
        string dir = Path.Combine(vchDirectory, CaDirectory);
        Directory.CreateDirectory(dir);
        for (int i = 0; i < files.Count; i++)
        {
            string copy = Path.Combine(dir, $"{i}.pem");
            File.Copy(files[i], copy, overwrite: true);
            copies.Add(copy);
        }
        return copies;
    }
}
