using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>The checks and fixed facts of Mode Appliance, kept pure so the tests compile them in.</summary>
internal static class AppliancePlan
{
    /// <summary>Where vic-vch lives on the appliance disk (scripts/build-appliance.sh puts it there).</summary>
    public const string VchPath = "/opt/vic/vch/vic-vch";

    /// <summary>Where the spec's secrets are written, still sealed: vic-vch opens them (see <see cref="VchArgs"/>).</summary>
    public const string SealedDir = "/run/vic/sealed";

    /// <summary>Environment every vic-vch run gets; the spec's Env adds to and overrides it.</summary>
    public static readonly IReadOnlyList<string> DefaultEnv =
    [
        "PATH=/opt/vic/vch:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/root",
        // The appliance disk has no ICU; vic-vch is published invariant as well, this says so to the runtime.
        "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1",
        // No diagnostics IPC socket in /tmp, nobody attaches a debugger to the appliance.
        "DOTNET_EnableDiagnostics=0",
        "DOTNET_CLI_TELEMETRY_OPTOUT=1",
    ];

    /// <summary>Restart delay after the n-th consecutive quick crash: 1 s doubling to 30 s, so a crash loop
    /// does not spin the appliance's CPU while the log still shows every attempt.</summary>
    public static TimeSpan RestartDelay(int consecutiveFailures) =>
        TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Clamp(consecutiveFailures - 1, 0, 5)));

    /// <summary>A run that lasted this long was not a crash loop: the delay starts over.</summary>
    public static readonly TimeSpan StableRun = TimeSpan.FromMinutes(1);

    /// <summary>Null when <paramref name="spec"/> can run, else the reason (exit 125).</summary>
    public static string? Validate(VmSpec spec)
    {
        ApplianceSpec? appliance = spec.Appliance;
        if (appliance is null)
        {
            return "invalid appliance spec: Mode Appliance without Appliance";
        }
        if (!appliance.DataMountPoint.StartsWith('/') || appliance.DataMountPoint.Split('/').Any(part => part is ".." or "."))
        {
            return $"invalid appliance spec: DataMountPoint \"{appliance.DataMountPoint}\" is not an absolute path";
        }
        if (appliance.DataDevice.Length > 0 && !appliance.DataDevice.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return $"invalid appliance spec: DataDevice \"{appliance.DataDevice}\" is not a /dev path";
        }
        if (appliance.Secrets.Count > 0 && !appliance.KeyDevice.StartsWith("/dev/", StringComparison.Ordinal) && ScsiAddress.Parse(appliance.KeyDevice) is null)
        {
            return $"invalid appliance spec: KeyDevice \"{appliance.KeyDevice}\" is neither a /dev path nor scsi:<target>:<lun> (the secrets cannot be opened without it)";
        }
        foreach (SealedSecret secret in appliance.Secrets)
        {
            if (secret.Name.Length == 0 || secret.Name.Contains('/') || secret.Name is "." or "..")
            {
                return $"invalid appliance spec: secret name \"{secret.Name}\" is not a plain file name";
            }
            if (!IsBase64(secret.Sealed))
            {
                return $"invalid appliance spec: secret {secret.Name} is not base64";
            }
        }
        if (appliance.Secrets.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != appliance.Secrets.Count)
        {
            return "invalid appliance spec: two secrets with the same name";
        }
        return null;
    }

    /// <summary>vic-vch's arguments: the spec's, then where the sealed secrets are and the key that opens them.</summary>
    public static List<string> VchArgs(ApplianceSpec appliance) => appliance.Secrets.Count == 0
        ? [.. appliance.VchArgs]
        : [.. appliance.VchArgs, "--sealed-secrets", SealedDir, "--key-device", appliance.KeyDevice];

    /// <summary>vic-vch's environment: the defaults, then the spec's entries (a later KEY replaces an earlier one).</summary>
    public static List<string> Environment(IReadOnlyList<string> extra)
    {
        var env = new List<string>(DefaultEnv);
        foreach (string entry in extra)
        {
            string key = entry.Split('=', 2)[0];
            env.RemoveAll(e => e.Split('=', 2)[0] == key);
            env.Add(entry);
        }
        return env;
    }

    private static bool IsBase64(string text)
    {
        Span<byte> buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }
}
