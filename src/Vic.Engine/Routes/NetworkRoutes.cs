using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Http;
using Vic.Engine.Mapping;
using Vic.Engine.Models;
using Vic.Engine.Networks;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>docker network: ls, inspect, create, rm, prune (bridge networks in the VCH's fabric).</summary>
internal sealed class NetworkRoutes(NetworkService networks, NetworkConnections connections, Events.EventBroker events) : IRouteGroup
{
    private static readonly HashSet<string> ListFilters = ["dangling", "driver", "id", "label", "name", "scope", "type"];
    private static readonly HashSet<string> PruneFilters = ["label", "until"];

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/networks", ListAsync);
        routes.MapGet("/networks/{id}", InspectAsync);
        routes.MapPost("/networks/create", CreateAsync);
        routes.MapDelete("/networks/{id}", RemoveAsync);
        routes.MapPost("/networks/prune", PruneAsync);
        routes.MapPost("/networks/{id}/connect", ConnectAsync);
        routes.MapPost("/networks/{id}/disconnect", DisconnectAsync);
    }

    private async Task ConnectAsync(HttpContext context)
    {
        var body = await RequestValues.JsonBodyAsync(context.Request, NetworkConnectJson.Default.NetworkConnectRequest, context.RequestAborted)
            ?? new NetworkConnectRequest();
        await connections.ConnectAsync(RequestValues.Route(context, "id"), body, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status200OK);
    }

    private async Task DisconnectAsync(HttpContext context)
    {
        var body = await RequestValues.JsonBodyAsync(context.Request, NetworkConnectJson.Default.NetworkDisconnectRequest, context.RequestAborted)
            ?? new NetworkDisconnectRequest();
        await connections.DisconnectAsync(RequestValues.Route(context, "id"), body, context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status200OK);
    }

    private async Task ListAsync(HttpContext context)
    {
        var filters = DockerFilters.Parse(RequestValues.String(context.Request.Query, "filters"), ListFilters);
        var result = new List<NetworkResource>();
        foreach (var network in networks.All)
        {
            var users = await networks.EndpointsOnAsync(network.Id, context.RequestAborted);
            if (!Matches(filters, network, users.Count))
                continue;
            result.Add(ToResource(network, users, withContainers: false));
        }
        result.Add(NoneNetwork());
        if (filters.Has("name") || filters.Has("id") || filters.Has("driver") || filters.Has("type") || filters.Has("label") || filters.Has("dangling"))
            result.RemoveAll(r => r.Name == "none" && !MatchesNone(filters));
        await DockerResults.WriteJsonAsync(context, result, EngineJson.Default.ListNetworkResource);
    }

    private async Task InspectAsync(HttpContext context)
    {
        string id = RequestValues.Route(context, "id");
        if (id == "none")
        {
            await DockerResults.WriteJsonAsync(context, NoneNetwork(), EngineJson.Default.NetworkResource);
            return;
        }
        var network = networks.Find(id);
        var users = await networks.EndpointsOnAsync(network.Id, context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, ToResource(network, users, withContainers: true), EngineJson.Default.NetworkResource);
    }

    private async Task CreateAsync(HttpContext context)
    {
        var body = await RequestValues.JsonBodyAsync(context.Request, EngineJson.Default.NetworkCreateRequest, context.RequestAborted)
            ?? throw new InvalidArgumentException("network name cannot be empty");
        if (body.EnableIPv6)
            throw new InvalidArgumentException("IPv6 networks are not supported by this VCH yet");
        var configs = body.IPAM?.Config ?? [];
        if (configs.Count > 1)
            throw new InvalidArgumentException("only one IPv4 subnet per network is supported");
        var ipam = configs.FirstOrDefault();
        if (ipam is { Subnet: null or "" } && (ipam.Gateway is { Length: > 0 } || ipam.IPRange is { Length: > 0 }))
            throw new InvalidArgumentException("gateway and ip-range need a subnet (--subnet)");
        var network = await networks.CreateAsync(body.Name ?? "", body.Driver ?? "bridge", ipam?.Subnet, ipam?.Gateway, ipam?.IPRange, ipam?.AuxiliaryAddresses ?? [],
            body.Internal, body.Attachable, body.Labels ?? [], body.Options ?? [], context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, new NetworkCreateResponse(network.Id, ""), EngineJson.Default.NetworkCreateResponse, StatusCodes.Status201Created);
    }

    private async Task RemoveAsync(HttpContext context)
    {
        string id = RequestValues.Route(context, "id");
        if (id == "none")
            throw new ForbiddenException("none is a pre-defined network and cannot be removed");
        await networks.RemoveAsync(networks.Find(id), context.RequestAborted);
        await DockerResults.WriteStatusAsync(context, StatusCodes.Status204NoContent);
    }

    private async Task PruneAsync(HttpContext context)
    {
        var filters = DockerFilters.Parse(RequestValues.String(context.Request.Query, "filters"), PruneFilters);
        var until = filters.Get("until").Select(u => RequestValues.ParseDockerTime(u)).DefaultIfEmpty(null).Min();
        var deleted = new List<string>();
        foreach (var network in networks.All.Where(n => !n.Predefined))
        {
            if (!filters.MatchesLabels("label", network.Labels) || (until is DateTimeOffset limit && network.Created > limit))
                continue;
            if ((await networks.EndpointsOnAsync(network.Id, context.RequestAborted)).Count > 0)
                continue;
            await networks.RemoveAsync(network, context.RequestAborted);
            deleted.Add(network.Name);
        }
        // Each removal logged its destroy; dockerd then logs the prune, reclaiming nothing it can count.
        events.Publish(EventTypes.Network, "prune", "", new Dictionary<string, string> { ["reclaimed"] = "0" });
        await DockerResults.WriteJsonAsync(context, new NetworkPruneResponse(deleted), EngineJson.Default.NetworkPruneResponse);
    }

    private static bool Matches(DockerFilters filters, NetworkRecord n, int endpoints) =>
        (!filters.Has("name") || filters.Get("name").Any(v => n.Name.Contains(v, StringComparison.Ordinal)))
        && (!filters.Has("id") || filters.Get("id").Any(v => n.Id.StartsWith(v, StringComparison.Ordinal)))
        && (!filters.Has("driver") || filters.Get("driver").Contains(n.Driver))
        && (!filters.Has("scope") || filters.Get("scope").Contains("local"))
        && (!filters.Has("type") || filters.Get("type").Contains(n.Predefined ? "builtin" : "custom"))
        && (!filters.Has("dangling") || filters.Get("dangling").Any(v => (v is "true" or "1") == (endpoints == 0 && !n.Predefined)))
        && filters.MatchesLabels("label", n.Labels);

    private static bool MatchesNone(DockerFilters filters) =>
        (!filters.Has("name") || filters.Get("name").Any(v => "none".Contains(v, StringComparison.Ordinal)))
        && !filters.Has("id") && (!filters.Has("driver") || filters.Get("driver").Contains("null"))
        && (!filters.Has("type") || filters.Get("type").Contains("builtin")) && !filters.Has("label") && !filters.Has("dangling");

    private static NetworkResource ToResource(NetworkRecord n, List<(ContainerInfo Container, EndpointRecord Endpoint)> users, bool withContainers) => new()
    {
        Name = n.Name,
        Id = n.Id,
        Created = DockerTime.Rfc3339Nano(n.Created),
        Driver = n.Driver,
        IPAM = new NetworkIpam
        {
            // A DHCP network has no pool of the VCH's: an empty Config, as a network whose IPAM driver is a DHCP client shows.
            Driver = n.Dhcp ? "dhcp" : "default",
            Config = n.Dhcp ? [] : [new NetworkIpamConfig { Subnet = n.Subnet, Gateway = n.Gateway, IPRange = n.IpRange, AuxiliaryAddresses = n.AuxAddresses.Count > 0 ? n.AuxAddresses : null }],
        },
        Internal = n.Internal,
        Attachable = n.Attachable,
        Options = n.Options,
        Labels = n.Labels,
        Containers = withContainers
            ? users.Where(u => u.Container.Status.State is ContainerRunState.Running or ContainerRunState.Paused).ToDictionary(u => u.Container.Spec.Id, u => new NetworkContainer
            {
                Name = u.Container.Spec.Name,
                EndpointID = u.Endpoint.EndpointId,
                MacAddress = u.Endpoint.MacAddress,
                IPv4Address = DhcpLeases.Shown(u.Endpoint, u.Container) is { IPAddress.Length: > 0 } shown ? $"{shown.IPAddress}/{shown.PrefixLength}" : "",
            })
            : [],
    };

    /// <summary>"none": containers without a NIC (the VM has loopback only).</summary>
    private static NetworkResource NoneNetwork() => new()
    {
        Name = "none",
        Id = new string('0', 63) + "1",
        Created = DockerTime.Rfc3339Nano(DateTimeOffset.UnixEpoch),
        Driver = "null",
        IPAM = new NetworkIpam { Config = [] },
    };
}
