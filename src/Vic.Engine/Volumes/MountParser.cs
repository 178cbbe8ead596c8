using System.Globalization;
using System.Text.Json;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Volumes;

/// <summary>
/// One requested mount: the port-layer mount, plus what the volume needs when it does not exist yet (docker run
/// creates named volumes on first use and a fresh anonymous one for every unnamed mount).
/// </summary>
internal sealed record RequestedMount(MountSpec Mount, bool Anonymous = false, IReadOnlyDictionary<string, string>? VolumeOptions = null,
    IReadOnlyDictionary<string, string>? VolumeLabels = null);

/// <summary>
/// docker run's mount syntaxes (HostConfig.Binds, HostConfig.Mounts, HostConfig.Tmpfs) parsed with dockerd's rules
/// and messages. Pure: volumes are created and --volumes-from resolved by <see cref="MountResolver"/>.
/// </summary>
internal static class MountParser
{
    private static readonly HashSet<string> Propagations = ["shared", "rshared", "slave", "rslave", "private", "rprivate"];

    /// <summary>"src:dst[:mode]" or "dst" (an anonymous volume). src is a volume name or an absolute host path.</summary>
    public static RequestedMount ParseBind(string spec)
    {
        string[] parts = spec.Split(':');
        if (spec.Length == 0 || parts.Length > 3 || parts.Any(p => p.Length == 0))
            throw Invalid(spec);
        if (parts.Length == 1)
            return new RequestedMount(new MountSpec { Kind = MountKind.Volume, Target = Target(spec, parts[0]) }, Anonymous: true);
        string source = parts[0], target = Target(spec, parts[1]);
        bool readOnly = false, noCopy = false;
        if (parts.Length == 3)
        {
            foreach (string mode in parts[2].Split(','))
            {
                switch (mode)
                {
                    case "ro": readOnly = true; break;
                    case "rw": readOnly = false; break;
                    case "nocopy": noCopy = true; break;
                    // SELinux relabelling has no meaning in a VM's own kernel; propagation neither (nothing mounts below).
                    case "z" or "Z": break;
                    case var p when Propagations.Contains(p): break;
                    default: throw new InvalidArgumentException($"invalid mode: {parts[2]}");
                }
            }
        }
        if (source.StartsWith('/'))
        {
            if (noCopy)
                throw new InvalidArgumentException($"invalid mode: {parts[2]}");
            return new RequestedMount(new MountSpec { Kind = MountKind.Bind, Source = source, Target = target, ReadOnly = readOnly, CreateMissingSource = true });
        }
        return new RequestedMount(new MountSpec { Kind = MountKind.Volume, Source = source, Target = target, ReadOnly = readOnly, NoCopy = noCopy });
    }

    /// <summary>HostConfig.Mounts (docker run --mount).</summary>
    public static List<RequestedMount> ParseMounts(JsonElement? json)
    {
        if (json is not { ValueKind: JsonValueKind.Array } array)
            return [];
        var requests = array.Deserialize(EngineJson.Default.ListMountRequest) ?? [];
        return requests.Select(ParseMount).ToList();
    }

    public static RequestedMount ParseMount(MountRequest m)
    {
        string type = m.Type ?? "";
        if (type is not ("volume" or "bind" or "tmpfs"))
            throw new InvalidArgumentException(type.Length == 0 ? "invalid mount config: mount type unknown" : $"invalid mount config for type \"{type}\": mount type unknown");
        if (string.IsNullOrEmpty(m.Target))
            throw new InvalidArgumentException($"invalid mount config for type \"{type}\": field Target must not be empty");
        string target = m.Target.Length > 1 ? m.Target.TrimEnd('/') : m.Target;
        if (!target.StartsWith('/'))
            throw new InvalidArgumentException($"invalid mount config for type \"{type}\": invalid mount path: '{m.Target}' mount path must be absolute");
        string source = m.Source ?? "";
        switch (type)
        {
            case "bind":
                if (source.Length == 0)
                    throw new InvalidArgumentException("invalid mount config for type \"bind\": field Source must not be empty");
                if (!source.StartsWith('/'))
                    throw new InvalidArgumentException($"invalid mount config for type \"bind\": invalid mount path: '{source}' mount path must be absolute");
                if (m.VolumeOptions is not null)
                    throw new InvalidArgumentException("invalid mount config for type \"bind\": field VolumeOptions must not be specified");
                return new RequestedMount(new MountSpec
                {
                    Kind = MountKind.Bind, Source = source, Target = target, ReadOnly = m.ReadOnly,
                    CreateMissingSource = m.BindOptions?.CreateMountpoint ?? false,
                });
            case "tmpfs":
                if (source.Length > 0)
                    throw new InvalidArgumentException("invalid mount config for type \"tmpfs\": field Source must not be specified");
                return new RequestedMount(new MountSpec
                {
                    Kind = MountKind.Tmpfs, Target = target, ReadOnly = m.ReadOnly,
                    TmpfsSizeBytes = m.TmpfsOptions?.SizeBytes ?? 0, TmpfsMode = m.TmpfsOptions?.Mode ?? 0,
                    Flags = ["noexec", "nosuid", "nodev"],
                });
            default:
                if (m.BindOptions is not null)
                    throw new InvalidArgumentException("invalid mount config for type \"volume\": field BindOptions must not be specified");
                var driver = m.VolumeOptions?.DriverConfig;
                VolumeDrivers.Check(source, driver?.Name);
                return new RequestedMount(
                    new MountSpec { Kind = MountKind.Volume, Source = source, Target = target, ReadOnly = m.ReadOnly, NoCopy = m.VolumeOptions?.NoCopy ?? false },
                    Anonymous: source.Length == 0, VolumeOptions: driver?.Options, VolumeLabels: m.VolumeOptions?.Labels);
        }
    }

    /// <summary>HostConfig.Tmpfs: target → "rw,noexec,size=64m,mode=1777".</summary>
    public static RequestedMount ParseTmpfs(string target, string options)
    {
        if (!target.StartsWith('/'))
            throw new InvalidArgumentException($"invalid mount config for type \"tmpfs\": invalid mount path: '{target}' mount path must be absolute");
        long size = 0;
        int mode = 0;
        bool readOnly = false;
        var flags = new List<string>();
        foreach (string option in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = option.IndexOf('=');
            string key = eq < 0 ? option : option[..eq], value = eq < 0 ? "" : option[(eq + 1)..];
            switch (key)
            {
                case "size": size = TmpfsSize(value); break;
                case "mode": mode = TmpfsMode(value); break;
                case "ro": readOnly = true; break;
                case "rw": readOnly = false; break;
                case "exec" or "noexec" or "suid" or "nosuid" or "dev" or "nodev": flags.Add(key); break;
                // Options the guest kernel applies the same way or that mean nothing in a VM.
                case "nr_inodes" or "uid" or "gid" or "atime" or "noatime" or "relatime" or "strictatime" or "nodiratime" or "diratime" or "sync" or "async": break;
                default: throw new InvalidArgumentException($"invalid tmpfs option [\"{option}\"]");
            }
        }
        return new RequestedMount(new MountSpec { Kind = MountKind.Tmpfs, Target = target.Length > 1 ? target.TrimEnd('/') : target, ReadOnly = readOnly, TmpfsSizeBytes = size, TmpfsMode = mode, Flags = flags });
    }

    private static int TmpfsMode(string value)
    {
        if (value.Length == 0 || value.Length > 4 || value.Any(c => c is < '0' or > '7'))
            throw new InvalidArgumentException($"invalid tmpfs option [\"mode={value}\"]");
        return Convert.ToInt32(value, 8);
    }

    /// <summary>"64m", "1g", "65536k", "1024" (bytes); k/m/g binary as the kernel reads them.</summary>
    private static long TmpfsSize(string value)
    {
        if (value.Length == 0)
            throw new InvalidArgumentException("invalid tmpfs option [\"size=\"]");
        char last = char.ToLowerInvariant(value[^1]);
        long unit = last switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1 };
        string digits = unit == 1 ? value : value[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0)
            throw new InvalidArgumentException($"invalid tmpfs option [\"size={value}\"]");
        return n * unit;
    }

    private static string Target(string spec, string target)
    {
        if (!target.StartsWith('/'))
            throw new InvalidArgumentException($"invalid volume specification: '{spec}': invalid mount config for type \"volume\": invalid mount path: '{target}' mount path must be absolute");
        return target.Length > 1 ? target.TrimEnd('/') : target;
    }

    private static InvalidArgumentException Invalid(string spec) => new($"invalid volume specification: '{spec}'");
}
