using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>Body of POST /networks/create.</summary>
public sealed record NetworkCreateRequest
{
    public string? Name { get; init; }
    public string? Driver { get; init; }
    public bool Internal { get; init; }
    public bool Attachable { get; init; }
    public bool EnableIPv6 { get; init; }
    public NetworkIpam? IPAM { get; init; }
    public Dictionary<string, string>? Options { get; init; }
    public Dictionary<string, string>? Labels { get; init; }
}

public sealed record NetworkIpam
{
    public string Driver { get; init; } = "default";
    public List<NetworkIpamConfig>? Config { get; init; }
    public Dictionary<string, string>? Options { get; init; }
}

public sealed record NetworkIpamConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Subnet { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? IPRange { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Gateway { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? AuxiliaryAddresses { get; init; }
}

public sealed record NetworkCreateResponse(string Id, string Warning);

/// <summary>GET /networks and /networks/{id}.</summary>
public sealed record NetworkResource
{
    public required string Name { get; init; }
    public required string Id { get; init; }
    public required string Created { get; init; }
    public string Scope { get; init; } = "local";
    public string Driver { get; init; } = "bridge";
    public bool EnableIPv6 { get; init; }
    public required NetworkIpam IPAM { get; init; }
    public bool Internal { get; init; }
    public bool Attachable { get; init; }
    public bool Ingress { get; init; }
    public Dictionary<string, string> ConfigFrom { get; init; } = new() { ["Network"] = "" };
    public bool ConfigOnly { get; init; }
    public Dictionary<string, NetworkContainer> Containers { get; init; } = [];
    public Dictionary<string, string> Options { get; init; } = [];
    public Dictionary<string, string> Labels { get; init; } = [];
}

public sealed record NetworkContainer
{
    public required string Name { get; init; }
    public required string EndpointID { get; init; }
    public required string MacAddress { get; init; }
    public required string IPv4Address { get; init; }
    public string IPv6Address { get; init; } = "";
}

public sealed record NetworkPruneResponse(List<string> NetworksDeleted);
