using System.Globalization;
using Vic.Engine.Models;

namespace Vic.Engine.Networks;

/// <summary>
/// The environment a legacy link (--link on the default bridge) gives the linking container, as dockerd builds it:
/// ALIAS_NAME, ALIAS_ENV_* from the linked container's Config.Env (PATH and HOME left out), and for each port the
/// linked container exposes ALIAS_PORT_&lt;port&gt;_&lt;PROTO&gt;{,_ADDR,_PORT,_PROTO}, with ALIAS_PORT naming the lowest
/// (TCP first). Old images and scripts still read these variables, so they are part of what --link means.
/// </summary>
internal static class LegacyLinkEnv
{
    /// <param name="linkName">"/&lt;linking container&gt;/&lt;alias&gt;", the name the link has in dockerd.</param>
    /// <param name="childIp">The linked container's address on the default bridge.</param>
    /// <param name="child">The linked container's Docker config.</param>
    public static List<string> For(string linkName, string childIp, ContainerConfig child)
    {
        string alias = linkName[(linkName.LastIndexOf('/') + 1)..].ToUpperInvariant().Replace('-', '_');
        var ports = (child.ExposedPorts ?? []).Keys.Select(ParsePort).Where(p => p is not null).Select(p => p!.Value)
            .OrderBy(p => p.Number).ThenBy(p => p.Proto == "tcp" ? 0 : 1).ToList();
        var env = new List<string>();
        if (ports.Count > 0)
            env.Add($"{alias}_PORT={ports[0].Proto}://{childIp}:{ports[0].Number}");
        foreach (var (number, proto) in ports)
        {
            string prefix = $"{alias}_PORT_{number}_{proto.ToUpperInvariant()}";
            env.Add($"{prefix}={proto}://{childIp}:{number}");
            env.Add($"{prefix}_ADDR={childIp}");
            env.Add($"{prefix}_PORT={number}");
            env.Add($"{prefix}_PROTO={proto}");
        }
        env.Add($"{alias}_NAME={linkName}");
        foreach (string entry in child.Env ?? [])
        {
            int eq = entry.IndexOf('=');
            if (eq <= 0)
                continue;
            string key = entry[..eq];
            // Set by image builds, not something the linked service offers.
            if (key is "PATH" or "HOME")
                continue;
            env.Add($"{alias}_ENV_{key}={entry[(eq + 1)..]}");
        }
        return env;
    }

    /// <summary>"80/tcp" (or "80": tcp) → (80, "tcp"); null for what is not a port.</summary>
    private static (int Number, string Proto)? ParsePort(string key)
    {
        string[] parts = key.Split('/');
        string proto = parts.Length > 1 ? parts[1].ToLowerInvariant() : "tcp";
        return int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int number) ? (number, proto) : null;
    }
}
