namespace Vic.Engine.Networks;

/// <summary>A Docker network as the VCH keeps it (metadata store, "networks/&lt;id&gt;").</summary>
internal sealed record NetworkRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string Driver { get; init; } = "bridge";
    public required string Subnet { get; init; }
    public required string Gateway { get; init; }
    /// <summary>Addresses are allocated from here (within Subnet); null means the whole subnet.</summary>
    public string? IpRange { get; init; }
    /// <summary>Addresses the IPAM never hands out (--aux-address name=ip), by name.</summary>
    public Dictionary<string, string> AuxAddresses { get; init; } = [];
    public bool Internal { get; init; }
    public bool Attachable { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public Dictionary<string, string> Options { get; init; } = [];
    public DateTimeOffset Created { get; init; }
    /// <summary>The default "bridge" network or a container network: cannot be removed or created by users.</summary>
    public bool Predefined { get; init; }
    /// <summary>A container network's existing host bridge ("br0" or "netns/br0"): containerVMs join it directly, the VCH
    /// serves no DNS or NAT there. Null for the VCH's own bridge networks.</summary>
    public string? Uplink { get; init; }
    /// <summary>Resolvers of a container network (the VCH's own DNS is not on it).</summary>
    public List<string> Dns { get; init; } = [];
    /// <summary>A container network whose addresses come from a DHCP server on it: Subnet and Gateway are empty (the VCH
    /// allocates nothing) and each endpoint's address is the lease its containerVM reports.</summary>
    public bool Dhcp { get; init; }

    public const string ExternalDriver = "external";

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsExternal => Uplink is not null;

    /// <summary>dockerd's default "bridge": no DNS by container name, no aliases, no static addresses.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsDefaultBridge => Predefined && !IsExternal;
}

/// <summary>A container's place on one network, kept in its annotations ("docker.networks").</summary>
internal sealed record EndpointRecord
{
    public required string NetworkId { get; init; }
    public required string NetworkName { get; init; }
    public required string EndpointId { get; init; }
    public required string IPAddress { get; init; }
    public required int PrefixLength { get; init; }
    public required string Gateway { get; init; }
    public required string MacAddress { get; init; }
    public List<string> Aliases { get; init; } = [];
    /// <summary>Whether the user asked for this address (--ip); kept across restarts either way.</summary>
    public bool Static { get; init; }
    /// <summary>Links on this network ("container:alias", from --link or network connect --link): the alias resolves to
    /// that container through the VCH's DNS for this container only; inspect echoes them.</summary>
    public List<string> Links { get; init; } = [];
    /// <summary>--link-local-ip addresses the client asked for; kept and echoed (the guest is not given them).</summary>
    public List<string> LinkLocalIPs { get; init; } = [];
    /// <summary>On a DHCP network: IPAddress, PrefixLength and Gateway stay empty here; the running VM's lease
    /// (<see cref="PortLayer.ContainerStatus.Leases"/>, by MAC) is shown instead.</summary>
    public bool Dhcp { get; init; }
    /// <summary>Endpoint driver options, kept and echoed as dockerd does.</summary>
    public Dictionary<string, string> DriverOpts { get; init; } = [];
}
