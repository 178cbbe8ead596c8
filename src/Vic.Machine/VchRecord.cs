using System.Text.Json.Serialization;
using Vic.Machine.Tls;

namespace Vic.Machine;

/// <summary>
/// What vic-machine remembers about one local VCH (vch.json in the VCH's directory). The daemon's own state
/// (containers, images) lives in the datastore; this file says how to start, reach and secure the daemon, and
/// holds everything <c>inspect config</c> needs to print the create command line that reproduces the VCH.
/// </summary>
internal sealed record VchRecord
{
    public required string Name { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required string Directory { get; init; }
    public required string DatastorePath { get; init; }
    public required string SocketPath { get; init; }
    public required string ContainerBasePath { get; init; }
    public required string DaemonPath { get; init; }
    public string Accelerator { get; init; } = "auto";
    public string Version { get; init; } = "";
    public bool Debug { get; init; }

    /// <summary>TCP listening address; null for a VCH made before TCP endpoints existed (unix socket only).</summary>
    public string? EndpointAddress { get; init; }
    public int EndpointPort { get; init; }
    [JsonConverter(typeof(JsonStringEnumConverter<TlsMode>))]
    public TlsMode TlsMode { get; init; } = TlsMode.Verify;
    public IReadOnlyList<string> TlsCnames { get; init; } = [];
    /// <summary>Certificate directory; null with plain TCP.</summary>
    public string? CertPath { get; init; }
    /// <summary>Where a brought server certificate and key came from (copied into <see cref="CertPath"/>).</summary>
    public string? TlsServerCertSource { get; init; }
    public string? TlsServerKeySource { get; init; }
    public IReadOnlyList<string> TlsCaSources { get; init; } = [];

    public int? MaxContainers { get; init; }
    public long? MemoryBytes { get; init; }
    public int? Cpus { get; init; }
    public long? StorageQuotaBytes { get; init; }

    /// <summary>The systemd unit vic-machine wrote for this VCH, if any.</summary>
    public string? SystemdUnitFile { get; init; }

    /// <summary>Registry policy handed to the daemon (see vic-vch --help); CA files are copies inside the VCH directory.</summary>
    public List<string> InsecureRegistries { get; init; } = [];
    public List<string> RegistryCaFiles { get; init; } = [];
    public List<string> WhitelistRegistries { get; init; } = [];
    public List<string> RegistryMirrors { get; init; } = [];

    /// <summary>Where bridge networks get their /16s; null: the daemon's default (172.16.0.0/12).</summary>
    public string? BridgeNetworkRange { get; init; }

    /// <summary>Container networks ("&lt;bridge&gt;[:name]") and their "&lt;bridge&gt;:&lt;value&gt;" settings, as given to create.</summary>
    public List<string> ContainerNetworks { get; init; } = [];
    public List<string> ContainerNetworkGateways { get; init; } = [];
    public List<string> ContainerNetworkIpRanges { get; init; } = [];
    public List<string> ContainerNetworkDns { get; init; } = [];

    /// <summary>Volume stores as "&lt;absolute directory&gt;:&lt;label&gt;"; empty: "default" inside the datastore.</summary>
    public List<string> VolumeStores { get; init; } = [];

    /// <summary>vicadmin's HTTPS port (on the endpoint's address); null: no vicadmin (--no-admin, --no-tls, or a VCH made before it).</summary>
    public int? AdminPort { get; init; }

    [JsonIgnore] public string AdminTokenFile => Path.Combine(Directory, AdminSetup.TokenFileName);

    /// <summary>The vicadmin URL a browser opens; null when the VCH has no vicadmin.</summary>
    [JsonIgnore]
    public string? AdminUrl => AdminPort is int port && HasTcp && TlsMode != TlsMode.Off
        ? $"https://{Endpoint.ClientHost(Endpoint.ParseAddress(EndpointAddress!), TlsCnames)}:{port}/"
        : null;

    [JsonIgnore] public string PidFile => Path.Combine(Directory, "vch.pid");
    [JsonIgnore] public string LogFile => Path.Combine(Directory, "vch.log");
    [JsonIgnore] public string EnvFile => Path.Combine(Directory, "docker.env");
    [JsonIgnore] public string UnixHost => "unix://" + SocketPath;
    [JsonIgnore] public bool HasTcp => EndpointAddress is not null;
    [JsonIgnore] public CertificateDirectory? Certificates => CertPath is null || TlsMode == TlsMode.Off ? null : new CertificateDirectory(CertPath);

    /// <summary>What a client sets DOCKER_HOST to: the TCP endpoint when there is one, else the unix socket.</summary>
    [JsonIgnore]
    public string DockerHost => HasTcp
        ? $"tcp://{Endpoint.ClientHost(Endpoint.ParseAddress(EndpointAddress!), TlsCnames)}:{EndpointPort}"
        : UnixHost;

    /// <summary>The client environment, as written to <see cref="EnvFile"/>.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> ClientEnvironment
    {
        get
        {
            var env = new Dictionary<string, string> { ["DOCKER_HOST"] = DockerHost };
            if (HasTcp && TlsMode != TlsMode.Off && CertPath is not null)
            {
                // Also right for server-only TLS: the CLI verifies the server with ca.pem and, finding no
                // cert.pem, presents no certificate.
                env["DOCKER_TLS_VERIFY"] = "1";
                env["DOCKER_CERT_PATH"] = CertPath;
            }
            return env;
        }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(VchRecord))]
[JsonSerializable(typeof(VchView))]
[JsonSerializable(typeof(List<VchView>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class MachineJson : JsonSerializerContext;

/// <summary>What ls and inspect print with --format json.</summary>
internal sealed record VchView(
    string Name, string State, string DockerHost, string Directory, string DatastorePath, int? Pid, string LogFile, DateTimeOffset Created,
    string UnixSocket, string? Endpoint, string Tls, string? CertPath, string EnvFile, IReadOnlyDictionary<string, string> Env, bool Debug,
    VchLimitsView Limits, string? AdminUrl = null, string? AdminTokenFile = null);

internal sealed record VchLimitsView(int? Containers, long? MemoryBytes, int? Cpus, long? StorageQuotaBytes);
