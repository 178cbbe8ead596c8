using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>How dockerd combines the user's Config with the image's defaults, and what the process then sees.</summary>
internal static class ConfigMerger
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static ContainerConfig Merge(ContainerConfig user, ImageConfig image, string id)
    {
        bool userEntrypoint = user.Entrypoint is { Count: > 0 };
        bool takeImageCmd = !userEntrypoint && user.Cmd is not { Count: > 0 };
        return user.CopyConfig() with
        {
            Hostname = string.IsNullOrEmpty(user.Hostname) ? ContainerIds.Short(id) : user.Hostname,
            User = string.IsNullOrEmpty(user.User) ? image.User : user.User,
            Env = MergeEnv(user.Env, image.Env),
            // A user entrypoint discards the image's Cmd; an empty user Cmd takes the image's.
            Cmd = takeImageCmd ? image.Cmd?.ToList() : user.Cmd,
            ArgsEscaped = takeImageCmd ? image.ArgsEscaped ?? false : user.ArgsEscaped,
            Entrypoint = userEntrypoint || user.Entrypoint is not null ? user.Entrypoint : image.Entrypoint?.ToList(),
            WorkingDir = string.IsNullOrEmpty(user.WorkingDir) ? image.WorkingDir : user.WorkingDir,
            Labels = MergeMap(image.Labels, user.Labels),
            ExposedPorts = MergeSet(image.ExposedPorts, user.ExposedPorts),
            Volumes = MergeSet(image.Volumes, user.Volumes),
            StopSignal = string.IsNullOrEmpty(user.StopSignal) ? NullIfEmpty(image.StopSignal) : user.StopSignal,
            Shell = user.Shell ?? image.Shell?.ToList(),
            Healthcheck = Health.HealthRules.Merge(user.Healthcheck, Health.HealthRules.FromImage(image.Healthcheck)),
        };
    }

    /// <summary>argv: Entrypoint then Cmd. <c>--entrypoint ""</c> arrives as [""] and means "no entrypoint".</summary>
    public static List<string> CommandLine(ContainerConfig config)
    {
        var entrypoint = config.Entrypoint is [""] ? [] : config.Entrypoint ?? [];
        var args = entrypoint.Concat(config.Cmd ?? []).ToList();
        if (args.Count == 0 || args[0].Length == 0)
            throw new InvalidArgumentException("No command specified");
        return args;
    }

    /// <summary>The process environment dockerd builds: PATH, HOSTNAME (and TERM with a TTY), then the legacy links'
    /// variables, all overridden by Config.Env.</summary>
    public static List<string> ProcessEnv(ContainerConfig config, IEnumerable<string>? linkEnv = null)
    {
        string hostname = string.IsNullOrEmpty(config.Domainname) ? config.Hostname : $"{config.Hostname}.{config.Domainname}";
        var env = new List<string> { "PATH=" + DefaultPath, "HOSTNAME=" + hostname };
        if (config.Tty)
            env.Add("TERM=xterm");
        env.AddRange(linkEnv ?? []);
        foreach (var entry in config.Env ?? [])
        {
            string key = KeyOf(entry);
            int existing = env.FindIndex(e => KeyOf(e) == key);
            if (existing >= 0)
                env[existing] = entry;
            else
                env.Add(entry);
        }
        return env;
    }

    /// <summary>dockerd's order: the user's entries, then the image's entries whose keys the user did not set.</summary>
    private static List<string> MergeEnv(List<string>? user, IReadOnlyList<string> image)
    {
        if (user is not { Count: > 0 })
            return [.. image];
        var keys = user.Select(KeyOf).ToHashSet(StringComparer.Ordinal);
        return [.. user, .. image.Where(e => !keys.Contains(KeyOf(e)))];
    }

    private static string KeyOf(string entry)
    {
        int eq = entry.IndexOf('=');
        return eq < 0 ? entry : entry[..eq];
    }

    private static Dictionary<string, string> MergeMap(IReadOnlyDictionary<string, string> image, Dictionary<string, string>? user)
    {
        var merged = new Dictionary<string, string>(image, StringComparer.Ordinal);
        foreach (var (k, v) in user ?? [])
            merged[k] = v;
        return merged;
    }

    private static Dictionary<string, EmptyObject>? MergeSet(IReadOnlyList<string> image, Dictionary<string, EmptyObject>? user)
    {
        if (image.Count == 0)
            return user;
        var merged = new Dictionary<string, EmptyObject>(user ?? [], StringComparer.Ordinal);
        foreach (var key in image)
            merged.TryAdd(key, new EmptyObject());
        return merged;
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
