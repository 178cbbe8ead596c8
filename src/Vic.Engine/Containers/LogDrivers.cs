using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>
/// HostConfig.LogConfig at create, checked as dockerd checks it. A container's output is always kept in its VM and
/// read back by `docker logs`, which is what json-file and local promise; "none" is accepted as dockerd accepts it.
/// Drivers that ship output elsewhere (syslog, gelf, ...) would be silently ignored, so they are refused instead.
/// </summary>
internal static class LogDrivers
{
    public const string Default = "json-file";

    /// <summary>Options every driver takes (dockerd handles them before the driver's own validator).</summary>
    private static readonly HashSet<string> DeliveryOptions = ["mode", "max-buffer-size"];

    /// <summary>Options json-file and local take; the same set in dockerd, their messages differ.</summary>
    private static readonly HashSet<string> FileOptions =
        ["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"];

    /// <summary>dockerd's other built-in Linux drivers: real names, but nothing here would carry the output there.</summary>
    private static readonly HashSet<string> RemoteDrivers =
        ["syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "gcplogs", "logentries"];

    /// <summary>
    /// The config dockerd would record: an empty type becomes the default driver, the options sent are kept as sent
    /// (an absent map becomes an empty one). Throws with dockerd's words for what it refuses.
    /// </summary>
    public static LogConfig Validate(LogConfig? requested)
    {
        string type = string.IsNullOrEmpty(requested?.Type) ? Default : requested.Type;
        var options = requested?.Config ?? [];
        if (type == "none")
            return new LogConfig { Type = type, Config = options };

        options.TryGetValue("mode", out string? mode);
        if (mode is not (null or "" or "blocking" or "non-blocking"))
            throw new InvalidArgumentException("logger: logging mode not supported: " + mode);
        if (options.ContainsKey("max-buffer-size") && mode != "non-blocking")
            throw new InvalidArgumentException("logger: max-buffer-size option is only supported with 'mode=non-blocking'");

        if (RemoteDrivers.Contains(type))
            throw new NotSupportedByBackendException(
                $"logging driver \"{type}\" is not supported by this VCH: container output stays in the container VM (use json-file, local or none)");
        if (type is not (Default or "local"))
            // dockerd looks an unknown name up as a logging plugin, and a VCH has none.
            throw new InvalidArgumentException($"error looking up logging plugin {type}: plugin \"{type}\" not found");

        foreach (string key in options.Keys)
        {
            if (DeliveryOptions.Contains(key) || FileOptions.Contains(key))
                continue;
            throw new InvalidArgumentException(type == Default
                ? $"unknown log opt '{key}' for json-file log driver"
                : $"unknown log opt '{key}' for log driver local");
        }
        return new LogConfig { Type = type, Config = options };
    }
}
