using System.CommandLine;

namespace Vic.Machine.Vsphere;

/// <summary>The create options that only make sense with --target (a vCenter or ESXi host).</summary>
internal sealed class VsphereCreateOptions
{
    public Option<string?> ComputeResource { get; } = new("--compute-resource") { Description = "vSphere: cluster or host for the VCH, by name or inventory path (default: the only one)" };
    public Option<string?> ImageStore { get; } = new("--image-store") { Description = "vSphere: <datastore>[/path] for images, container disks and the VCH's own directory" };
    public Option<string?> BridgeNetwork { get; } = new("--bridge-network") { Description = "vSphere: port group for traffic between containerVMs and the appliance (its own, not shared)" };
    public Option<string?> PublicNetwork { get; } = new("--public-network") { Description = "vSphere: port group clients reach the Docker API on (default: VM Network)" };
    public Option<string[]> ContainerNetworks { get; } = new("--container-network") { Description = "vSphere: port group containers may join directly, as <portgroup>[:name] (repeatable)" };
    public Option<string[]> DnsServers { get; } = new("--dns-server") { Description = "DNS server (repeatable): locally, where the VCH's DNS forwards names it does not know (default: the host's resolvers); on vSphere, the appliance's (default: from DHCP)" };
    public Option<string?> PublicIp { get; } = new("--public-network-ip") { Description = "vSphere: the appliance's address on the public network, <ip>/<prefix> (default: DHCP)" };
    public Option<string?> PublicGateway { get; } = new("--public-network-gateway") { Description = "vSphere: default gateway on the public network (on the --public-network-ip subnet)" };
    public Option<string?> ApplianceTarget { get; } = new("--appliance-target") { Description = "vSphere: the vCenter URL as the appliance reaches it, when that differs from --target (NAT, another DNS view); default: --target" };
    public Option<string?> ApplianceDirectory { get; } = new("--appliance-dir") { Description = "vSphere: directory holding the appliance image appliance.img (default: out/appliance beside vic-machine)" };
    public Option<bool> NoWait { get; } = new("--no-wait") { Description = "vSphere: do not wait for the appliance to come up after powering it on" };

    public IEnumerable<Option> All => [ComputeResource, ImageStore, BridgeNetwork, PublicNetwork, ContainerNetworks, DnsServers, PublicIp, PublicGateway, ApplianceTarget, ApplianceDirectory, NoWait];

    /// <summary>out/appliance beside vic-machine's build, or VIC_APPLIANCE_DIR.</summary>
    public static string DefaultApplianceDirectory() =>
        Environment.GetEnvironmentVariable("VIC_APPLIANCE_DIR") is { Length: > 0 } env ? env
            : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "appliance"));

    /// <summary>Where a vSphere VCH's client certificates go by default: $VIC_HOME/vsphere/&lt;host&gt;/&lt;name&gt;/certs.</summary>
    public static string DefaultCertPath(string root, VsphereTarget target, string name) =>
        Path.Combine(Path.GetFullPath(root), "vsphere", target.SdkUrl.Host, name, "certs");
}
