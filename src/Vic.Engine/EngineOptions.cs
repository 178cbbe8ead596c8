namespace Vic.Engine;

/// <summary>Where and as what the Docker API server serves. The VCH daemon builds this from its own options.</summary>
public sealed record EngineOptions
{
    /// <summary>Serve the API on this unix socket (parent directory created, a stale socket replaced, mode 660).</summary>
    public required string UnixSocketPath { get; init; }

    /// <summary>Shown as Name in docker info.</summary>
    public string VchName { get; init; } = "vch";

    /// <summary>Shown as the server version and in the Server header ("Docker/&lt;version&gt; (linux)").</summary>
    public string ProductVersion { get; init; } = "0.1.0";

    /// <summary>Shown in docker info (DockerRootDir, DriverStatus).</summary>
    public string DatastorePath { get; init; } = "";

    /// <summary>The file the event history is kept in (docker events --since/--until across daemon restarts), a JSON line
    /// per event; null keeps it in memory only.</summary>
    public string? EventHistoryPath { get; init; }

    /// <summary>How many recent events are kept for --since/--until (dockerd keeps 256, in memory).</summary>
    public int EventHistoryLimit { get; init; } = 1000;

    /// <summary>Where networks without --subnet get their /16 from (vic-machine create --bridge-network-range).</summary>
    public string BridgeNetworkPool { get; init; } = "172.16.0.0/12";

    /// <summary>Networks of the host that containers may join directly (vic-machine create --container-network):
    /// shown as networks with the "external" driver, no NAT, addresses from the given range.</summary>
    public IReadOnlyList<ContainerNetworkOptions> ContainerNetworks { get; init; } = [];

    /// <summary>Resolvers the VCH's DNS forwards names it does not know to; empty reads the host's /etc/resolv.conf.</summary>
    public IReadOnlyList<string> UpstreamDns { get; init; } = [];

    /// <summary>Extra plain-HTTP endpoints, "127.0.0.1:2375" (dockerd's -H tcp:// without --tls).</summary>
    public IReadOnlyList<string> TcpEndpoints { get; init; } = [];

    /// <summary>TCP endpoints served over TLS, with or without client certificate verification.</summary>
    public IReadOnlyList<TlsEndpoint> TlsEndpoints { get; init; } = [];
}

/// <summary>
/// One container network: <paramref name="Uplink"/> is the existing Linux bridge containers are put on ("br0", or
/// "netns/br0" for a bridge inside a named network namespace); <paramref name="Gateway"/> the network's router with the
/// prefix ("10.0.0.1/24"), or null for a DHCP network (a DHCP server on the bridge gives containers their addresses);
/// <paramref name="IpRange"/> where container addresses come from ("10.0.0.100-10.0.0.120" or a CIDR; null: the whole
/// subnet); <paramref name="Dns"/> the resolvers containers on it use (empty: the lease's on a DHCP network, else the host's).
/// </summary>
public sealed record ContainerNetworkOptions(string Name, string Uplink, string? Gateway, string? IpRange, IReadOnlyList<string> Dns)
{
    public bool Dhcp => Gateway is null;
}
