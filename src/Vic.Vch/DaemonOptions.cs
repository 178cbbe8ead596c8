using Vic.Vch.Limits;
using Vic.ImageC;

namespace Vic.Vch;

internal sealed record DaemonOptions
{
    public required string Name { get; init; }
    public required string DatastorePath { get; init; }
    public required string SocketPath { get; init; }
    public required string ContainerBasePath { get; init; }
    public string? PidFile { get; init; }
    public required string Accelerator { get; init; }
    public bool Debug { get; init; }

    /// <summary>"address:port" to serve the Docker API on over TCP as well; null: the unix socket only.</summary>
    public string? TcpEndpoint { get; init; }

    /// <summary>TLS on <see cref="TcpEndpoint"/>; null serves plain HTTP there.</summary>
    public DaemonTls? Tls { get; init; }

    public ResourceLimits Limits { get; init; } = new();
    public RegistryPolicy Registries { get; init; } = new();

    /// <summary>Network namespace of the VCH's bridges; null runs containers without networking.</summary>
    public string? NetworkNamespace { get; init; }

    public string BridgeNetworkRange { get; init; } = "172.16.0.0/12";

    /// <summary>Host bridges containers may join directly (local target; on vSphere container networks are port groups).</summary>
    public IReadOnlyList<Vic.Engine.ContainerNetworkOptions> ContainerNetworks { get; init; } = [];

    /// <summary>Set by --target: containerVMs run on vSphere and <see cref="ContainerBasePath"/> is a datastore path.</summary>
    public Vic.PortLayer.VSphere.VSphereBackendOptions? VSphere { get; init; }

    /// <summary>--volume-store values given with --target (not implemented on vSphere yet: logged, volumes refused).</summary>
    public IReadOnlyList<string> VSphereVolumeStores { get; init; } = [];

    /// <summary>One namespace per VCH, named after its datastore (VCHs of the same name under different roots stay apart).</summary>
    public static string DefaultNetworkNamespace(string datastorePath) =>
        "vic-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(datastorePath)))[..12];

    /// <summary>vicadmin's listener and login; null: no vicadmin (--no-admin).</summary>
    public DaemonAdmin? Admin { get; init; }

    /// <summary>The file the daemon's output goes to (vic-machine's vch.log), for vicadmin's tail and log bundle.</summary>
    public string? LogFile { get; init; }

    /// <summary>Volume stores by label (absolute directories); empty: "default" inside the datastore.</summary>
    public Dictionary<string, string> VolumeStores { get; init; } = [];
}

/// <summary>PEM files for the TCP endpoint. <see cref="ClientCaPath"/> set means mutual TLS (dockerd's --tlsverify).</summary>
internal sealed record DaemonTls(string CertificatePath, string KeyPath, string? ClientCaPath);

/// <summary>vicadmin on "address:port" (port 0: a free one), logging in with the token in <see cref="TokenFile"/> or a
/// client certificate; <see cref="ConfigurationFiles"/> go into its log bundle with secrets masked.</summary>
internal sealed record DaemonAdmin(string Address, string? TokenFile, IReadOnlyList<string> ConfigurationFiles);
