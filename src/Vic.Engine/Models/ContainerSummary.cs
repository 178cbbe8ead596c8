using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>One entry of GET /containers/json.</summary>
public sealed record ContainerSummary
{
    public required string Id { get; init; }
    public required List<string> Names { get; init; }
    public required string Image { get; init; }
    public required string ImageID { get; init; }
    public required string Command { get; init; }
    public required long Created { get; init; }
    public List<PortSummary> Ports { get; init; } = [];

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeRw { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeRootFs { get; init; }

    public Dictionary<string, string> Labels { get; init; } = [];
    public required string State { get; init; }
    public required string Status { get; init; }
    public required SummaryHostConfig HostConfig { get; init; }
    public SummaryNetworkSettings NetworkSettings { get; init; } = new();
    public List<MountPoint> Mounts { get; init; } = [];
}

public sealed record PortSummary
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IP { get; init; }
    public int PrivatePort { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int PublicPort { get; init; }
    public string Type { get; init; } = "tcp";
}

public sealed record SummaryHostConfig(string NetworkMode);

public sealed record SummaryNetworkSettings
{
    public Dictionary<string, EndpointSettings> Networks { get; init; } = [];
}

public sealed record MountPoint
{
    public string Type { get; init; } = "";
    public string Name { get; init; } = "";
    public string Source { get; init; } = "";
    public string Destination { get; init; } = "";
    public string Driver { get; init; } = "";
    public string Mode { get; init; } = "";
    public bool RW { get; init; }
    public string Propagation { get; init; } = "";
}

public sealed record EndpointSettings
{
    public string NetworkID { get; init; } = "";
    public string EndpointID { get; init; } = "";
    public string Gateway { get; init; } = "";
    public string IPAddress { get; init; } = "";
    public int IPPrefixLen { get; init; }
    public string MacAddress { get; init; } = "";
    public List<string>? Aliases { get; init; }
    public List<string>? DNSNames { get; init; }
    public List<string>? Links { get; init; }
    public EndpointIpamConfig? IPAMConfig { get; init; }
}

public sealed record EndpointIpamConfig
{
    public string IPv4Address { get; init; } = "";
}
