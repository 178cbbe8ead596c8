using System.Text.Json.Serialization;

namespace Vic.Machine.Vsphere;

/// <summary>
/// What vic-machine made for one VCH on vSphere and how it is configured, kept in the appliance VM's extraConfig
/// under <see cref="MarkerKey"/> (a key the guest cannot read; it needs none of it). Its presence is how ls tells
/// a VCH appliance from any other VM; delete, configure and upgrade work from it, so nothing is kept locally.
/// </summary>
internal sealed record VsphereVch
{
    /// <summary>extraConfig key holding this record as JSON.</summary>
    public const string MarkerKey = "vic.machine.vch";

    public required string Name { get; init; }
    public required string Version { get; init; }
    public required DateTimeOffset Created { get; init; }

    /// <summary>The target the VCH was made on, without credentials (https://host/dc).</summary>
    public required string Target { get; init; }
    public string? Thumbprint { get; init; }
    public required string User { get; init; }

    public required string ComputeResource { get; init; }
    /// <summary>Inventory path and moref value of the VCH's own pool (made by create).</summary>
    public required string ResourcePool { get; init; }
    public required string ResourcePoolId { get; init; }
    /// <summary>Inventory path and moref value of the VCH's VM folder (made by create).</summary>
    public required string VmFolder { get; init; }
    public required string VmFolderId { get; init; }

    /// <summary>Datastore and directory of the image store as given ("ds" or "ds/path").</summary>
    public required string ImageStore { get; init; }
    /// <summary>"[ds] path/name": the VCH's own directory, removed by delete.</summary>
    public required string VchDirectory { get; init; }
    /// <summary>Volume stores as "ds/path:label"; <see cref="CreatedVolumeStores"/> lists the "[ds] path" that create made.</summary>
    public List<string> VolumeStores { get; init; } = [];
    public List<string> CreatedVolumeStores { get; init; } = [];

    public required string BridgeNetwork { get; init; }
    public required string PublicNetwork { get; init; }
    /// <summary>"portgroup[:alias]" each.</summary>
    public List<string> ContainerNetworks { get; init; } = [];
    public List<string> DnsServers { get; init; } = [];
    /// <summary>The appliance's NICs' MACs (manual, in VMware's range: the tether finds its NICs by MAC).</summary>
    public string PublicMac { get; init; } = "";
    public string BridgeMac { get; init; } = "";
    /// <summary>"ip/prefix" on the public network and its gateway; null: not configured.</summary>
    public string? PublicIp { get; init; }
    public string? PublicGateway { get; init; }
    /// <summary>The target as the appliance reaches it; null: <see cref="Target"/>.</summary>
    public string? ApplianceTarget { get; init; }

    public int? MaxContainers { get; init; }
    public long? MemoryBytes { get; init; }
    public int? Cpus { get; init; }
    public int ApplianceCpus { get; init; } = 2;
    public long ApplianceMemoryMb { get; init; } = 2048;

    /// <summary>The pool's CPU limit in MHz (Cpus times the slowest host's clock), -1 for none.</summary>
    public long CpuLimitMhz { get; init; } = -1;

    public int EndpointPort { get; init; } = 2376;
    [JsonConverter(typeof(JsonStringEnumConverter<Tls.TlsMode>))]
    public Tls.TlsMode TlsMode { get; init; } = Tls.TlsMode.Verify;
    public List<string> TlsCnames { get; init; } = [];
    /// <summary>Where create wrote the client certificates, on the machine that ran it.</summary>
    public string? CertPath { get; init; }

    /// <summary>The uploaded images in use ("images/&lt;stamp&gt;" under <see cref="VchDirectory"/>) and the one upgrade keeps for rollback.</summary>
    public required ImageSet Images { get; init; }
    public ImageSet? PreviousImages { get; init; }
}

/// <summary>
/// One upload of the appliance and container base: <see cref="Stamp"/> names its directory
/// (images/&lt;stamp&gt;); <see cref="ApplianceDisk"/> is null when no appliance image was there to upload.
/// </summary>
internal sealed record ImageSet(string Stamp, string Version, string ContainerBase, string? ApplianceDisk);

[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VsphereVch))]
[JsonSerializable(typeof(VsphereVchView))]
[JsonSerializable(typeof(List<VsphereVchView>))]
internal sealed partial class VsphereJson : JsonSerializerContext;
