using System.Globalization;
using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Turns a VCH record into what the appliance VM carries: vic-vch's command line (the flags of the contract with
/// the vSphere backend), the <c>appliance</c> guestinfo document, and the extraConfig entries that hold both.
/// The one place that maps the record to the appliance, used by create, configure and upgrade.
/// </summary>
internal static class ApplianceSpecBuilder
{
    /// <summary>Where the tether writes the opened secrets inside the appliance (tmpfs, root only).</summary>
    public const string SecretsDirectory = "/run/vic/secrets";
    public const string PasswordSecret = "vsphere-password";

    public static List<string> VchArgs(VsphereVch vch)
    {
        var args = new List<string>
        {
            "--name", vch.Name, "--datastore", "/var/lib/vic/datastore", "--socket", "/var/run/vic/docker.sock",
            "--target", vch.Target, "--user", vch.User,
        };
        if (vch.Thumbprint is string thumbprint)
            args.AddRange(["--thumbprint", thumbprint]);
        args.AddRange([
            "--compute-resource", vch.ComputeResource, "--resource-pool", vch.ResourcePool, "--vm-folder", vch.VmFolder,
            "--image-store", vch.ImageStore, "--container-base", vch.Images.ContainerBase,
            "--bridge-network", vch.BridgeNetwork, "--public-network", vch.PublicNetwork,
        ]);
        foreach (string store in vch.VolumeStores)
            args.AddRange(["--volume-store", store]);
        foreach (string network in vch.ContainerNetworks)
            args.AddRange(["--container-network", network]);
        args.AddRange(["--tcp", $"0.0.0.0:{vch.EndpointPort.ToString(CultureInfo.InvariantCulture)}"]);
        if (vch.TlsMode != Tls.TlsMode.Off)
        {
            args.AddRange(["--tls-cert", $"{SecretsDirectory}/server-cert.pem", "--tls-key", $"{SecretsDirectory}/server-key.pem"]);
            if (vch.TlsMode == Tls.TlsMode.Verify)
                args.AddRange(["--tls-client-ca", $"{SecretsDirectory}/client-ca.pem"]);
        }
        if (vch.MaxContainers is int containers)
            args.AddRange(["--max-containers", containers.ToString(CultureInfo.InvariantCulture)]);
        if (vch.MemoryBytes is long memory)
            args.AddRange(["--max-memory", memory.ToString(CultureInfo.InvariantCulture)]);
        if (vch.Cpus is int cpus)
            args.AddRange(["--max-cpus", cpus.ToString(CultureInfo.InvariantCulture)]);
        return args;
    }

    public static ApplianceConfig Config(VsphereVch vch, List<SealedSecret> secrets) => new()
    {
        Name = vch.Name,
        Version = vch.Images.Version,
        VchArgs = VchArgs(vch),
        // The password is a sealed secret like the others; vic-vch takes it from VIC_VSPHERE_PASSWORD, which the
        // appliance sets from this file (never from guestinfo in the clear).
        Env = [$"VIC_VSPHERE_PASSWORD_FILE={SecretsDirectory}/{PasswordSecret}"],
        Networks = [new ApplianceNic("public", vch.PublicNetwork), new ApplianceNic("bridge", vch.BridgeNetwork)],
        DnsServers = vch.DnsServers,
        Secrets = secrets,
        // SCSI 0:1 of the appliance (the appliance image is 0:0), as Linux names it with one controller.
        KeyDevice = "/dev/sdb",
    };

    /// <summary>
    /// The extraConfig changes that make the VM carry <paramref name="vch"/> and <paramref name="config"/>: the
    /// record, the document's keys, and an empty value (which removes the key) for every key of the document
    /// <paramref name="current"/> holds that the new one does not, so no stale chunk is left to be read.
    /// </summary>
    public static Dictionary<string, string> ExtraConfig(VsphereVch vch, ApplianceConfig config, IReadOnlyDictionary<string, string>? current = null)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        string prefix = GuestInfo.Key(ApplianceConfig.DocumentName, "");
        foreach (string key in current?.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)) ?? [])
            pairs[key] = "";
        foreach (var (key, value) in GuestInfo.EncodeDocument(ApplianceConfig.DocumentName, JsonSerializer.SerializeToUtf8Bytes(config, VsphereJson.Default.ApplianceConfig)))
            pairs[key] = value;
        pairs[VsphereVch.MarkerKey] = JsonSerializer.Serialize(vch, VsphereJson.Default.VsphereVch);
        return pairs;
    }

    /// <summary>The extraConfig entries that put back <paramref name="before"/> exactly (a rollback): every key the
    /// change touched gets its old value, or is removed when it did not exist.</summary>
    public static Dictionary<string, string> Restore(IReadOnlyDictionary<string, string> before, IEnumerable<string> touched) =>
        touched.Distinct(StringComparer.Ordinal).ToDictionary(k => k, k => before.TryGetValue(k, out string? v) ? v : "", StringComparer.Ordinal);

    /// <summary>The appliance document read back from extraConfig.</summary>
    public static ApplianceConfig Read(IReadOnlyDictionary<string, string> extraConfig) =>
        JsonSerializer.Deserialize(GuestInfo.DecodeDocument(ApplianceConfig.DocumentName, extraConfig), VsphereJson.Default.ApplianceConfig)
        ?? throw new MachineException("the appliance's guestinfo document is JSON null", ExitCodes.Failure);
}
