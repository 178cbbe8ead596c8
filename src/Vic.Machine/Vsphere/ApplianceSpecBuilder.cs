using System.Globalization;
using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Turns a VCH record into what the appliance VM carries: vic-vch's command line (the flags of the contract with
/// the vSphere backend), the tether's <see cref="VmSpec"/> (Mode Appliance) in the <c>guestinfo.vic.spec.*</c> keys
/// (<see cref="GuestInfoSpec"/>: the same document shape every VM of vic boots from), and the record. The one place
/// that maps the record to the appliance, used by create, configure and upgrade.
/// </summary>
internal static class ApplianceSpecBuilder
{
    /// <summary>Where vic-vch writes the opened secrets inside the appliance (its --secrets-dir default: tmpfs, root only).</summary>
    public const string SecretsDirectory = "/run/vic/secrets";
    public const string PasswordSecret = "vsphere-password";

    /// <summary>The appliance image at SCSI unit 0 and the key disk at unit 1, named by address: Linux's sda/sdb follow
    /// the (asynchronous) probe order and can swap.</summary>
    public const string RootDevice = "scsi:0:0", KeyDevice = "scsi:1:0";

    public static List<string> VchArgs(VsphereVch vch)
    {
        var args = new List<string>
        {
            "--name", vch.Name, "--datastore", "/var/lib/vic/datastore", "--socket", "/run/vic/docker.sock",
            "--target", vch.ApplianceTarget ?? vch.Target, "--user", vch.User,
            // Opened by vic-vch from the sealed secrets before it reads this (see ApplianceSpec.Secrets).
            "--password-file", $"{SecretsDirectory}/{PasswordSecret}",
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

    /// <summary>The tether's spec for the appliance: how it boots, its network, vic-vch's arguments, the sealed secrets.</summary>
    public static VmSpec Spec(VsphereVch vch, IReadOnlyList<SealedSecret> secrets) => new()
    {
        Mode = VmMode.Appliance,
        Id = vch.Name,
        Hostname = vch.Name,
        RootDevice = RootDevice,
        Interfaces = AppliancePlacement.Interfaces(vch),
        Dns = vch.DnsServers.Count > 0 ? new DnsSpec { Nameservers = vch.DnsServers } : null,
        Appliance = new ApplianceSpec
        {
            VchArgs = VchArgs(vch),
            // No data disk yet: the VCH's state is on the datastore (metadata, layers); what vic-vch keeps locally
            // (image blobs in flight) may go with a reboot, and the tether says so in the log.
            Secrets = secrets,
            KeyDevice = KeyDevice,
        },
    };

    /// <summary>
    /// The extraConfig changes that make the VM carry <paramref name="vch"/> and <paramref name="config"/>: the
    /// record, the document's keys, and an empty value (which removes the key) for every key of the document
    /// <paramref name="current"/> holds that the new one does not, so no stale chunk is left to be read.
    /// </summary>
    public static Dictionary<string, string> ExtraConfig(VsphereVch vch, VmSpec spec, IReadOnlyDictionary<string, string>? current = null)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        string prefix = GuestInfo.Key(GuestInfoSpec.Name, "");
        foreach (string key in current?.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)) ?? [])
            pairs[key] = "";
        foreach (var (key, value) in GuestInfoSpec.Encode(spec))
            pairs[key] = value;
        pairs[VsphereVch.MarkerKey] = JsonSerializer.Serialize(vch, VsphereJson.Default.VsphereVch);
        return pairs;
    }

    /// <summary>The extraConfig entries that put back <paramref name="before"/> exactly (a rollback): every key the
    /// change touched gets its old value, or is removed when it did not exist.</summary>
    public static Dictionary<string, string> Restore(IReadOnlyDictionary<string, string> before, IEnumerable<string> touched) =>
        touched.Distinct(StringComparer.Ordinal).ToDictionary(k => k, k => before.TryGetValue(k, out string? v) ? v : "", StringComparer.Ordinal);

    /// <summary>The appliance's spec read back from extraConfig (an appliance without one is a damaged VCH).</summary>
    public static VmSpec Read(IReadOnlyDictionary<string, string> extraConfig)
    {
        VmSpec spec = GuestInfoSpec.Decode(extraConfig);
        return spec is { Mode: VmMode.Appliance, Appliance: not null } ? spec
            : throw new MachineException($"the appliance's guestinfo spec is not an appliance's (mode {spec.Mode})", ExitCodes.Failure);
    }
}
