using System.Text.Json.Serialization;
using Vic.Engine.Containers;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>POST /networks/{id}/connect body.</summary>
internal sealed record NetworkConnectRequest
{
    public string? Container { get; init; }
    public EndpointConfigRequest? EndpointConfig { get; init; }
}

internal sealed record EndpointConfigRequest
{
    public List<string>? Aliases { get; init; }
    public List<string>? Links { get; init; }
    public string? MacAddress { get; init; }
    public EndpointIpamRequest? IPAMConfig { get; init; }
}

internal sealed record EndpointIpamRequest
{
    public string? IPv4Address { get; init; }
    public string? IPv6Address { get; init; }
}

/// <summary>POST /networks/{id}/disconnect body.</summary>
internal sealed record NetworkDisconnectRequest
{
    public string? Container { get; init; }
    public bool Force { get; init; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(NetworkConnectRequest))]
[JsonSerializable(typeof(NetworkDisconnectRequest))]
internal sealed partial class NetworkConnectJson : JsonSerializerContext;

/// <summary>
/// docker network connect / disconnect: the endpoint is allocated (or released) here, the port layer adds or removes the
/// container's NIC (live when its VM runs), then the endpoint list in the container's annotations is rewritten. A
/// refused or failed step changes nothing: the NIC change comes before the annotations, and is undone if they cannot
/// be written.
/// </summary>
internal sealed class NetworkConnections(PortLayerServices portLayer, NetworkService networks, ContainerResolver containers, Events.EventBroker events)
{
    public async Task ConnectAsync(string networkNameOrId, NetworkConnectRequest request, CancellationToken cancellationToken)
    {
        var network = networks.Find(networkNameOrId);
        var info = await containers.FindAsync(request.Container ?? "", cancellationToken);
        var record = DockerAnnotations.Decode(info);
        if (record.HostConfig.NetworkMode == "none")
            throw new InvalidArgumentException("container cannot be connected to multiple networks with one of the networks in private (none) mode");
        if (request.EndpointConfig?.IPAMConfig?.IPv6Address is { Length: > 0 })
            throw new InvalidArgumentException("IPv6 addresses are not supported by this VCH yet");
        var aliases = request.EndpointConfig?.Aliases ?? [];
        var links = request.EndpointConfig?.Links ?? [];
        if (network.IsDefaultBridge && aliases.Count > 0)
            throw new InvalidArgumentException("network-scoped alias is supported only for containers in user defined networks");
        if (network.Predefined && links.Count > 0)
            throw new InvalidArgumentException("links are only supported for user-defined networks");
        var normalizedLinks = links.Select(NormalizeLink).ToList();

        using (await networks.LockAsync(cancellationToken))
        {
            info = await portLayer.Containers.InspectAsync(info.Spec.Id, cancellationToken);
            var endpoints = NetworkAnnotations.Read(info);
            if (endpoints.Any(e => e.NetworkId == network.Id))
                throw new ForbiddenException($"endpoint with name {info.Spec.Name} already exists in network {network.Name}");
            var endpoint = await networks.AllocateAsync(network, request.EndpointConfig?.IPAMConfig?.IPv4Address, aliases,
                    request.EndpointConfig?.MacAddress, cancellationToken)
                with { Links = normalizedLinks };
            // One default route per VM: a network with a way out gets it when the container has none now.
            bool hasRoute = info.Spec.Nics.Any(n => n.Gateway.Length > 0 || n.DhcpRoute);
            var nic = new NicSpec
            {
                NetworkId = network.Id,
                Mac = endpoint.MacAddress,
                Address = endpoint.Dhcp ? "" : $"{endpoint.IPAddress}/{endpoint.PrefixLength}",
                Gateway = hasRoute || network.Internal || endpoint.Dhcp ? "" : endpoint.Gateway,
                Dhcp = endpoint.Dhcp,
                DhcpRoute = endpoint.Dhcp && !hasRoute,
                Aliases = [info.Spec.Name, .. endpoint.Aliases.Where(a => a != info.Spec.Name && a != info.Spec.Hostname)],
            };
            await portLayer.Nics.ConnectAsync(info.Spec.Id, nic, cancellationToken);
            try
            {
                await WriteEndpointsAsync(info, [.. endpoints, endpoint], cancellationToken);
            }
            catch
            {
                await portLayer.Nics.DisconnectAsync(info.Spec.Id, network.Id, CancellationToken.None);
                throw;
            }
            LogIfRunning(info, network, "connect");
        }
    }

    public async Task DisconnectAsync(string networkNameOrId, NetworkDisconnectRequest request, CancellationToken cancellationToken)
    {
        var info = await containers.FindAsync(request.Container ?? "", cancellationToken);
        NetworkRecord? network = null;
        try
        {
            network = networks.Find(networkNameOrId);
        }
        catch (NotFoundException) when (request.Force)
        {
            // --force with a network that is gone: drop the container's endpoint of that name or ID, as dockerd does.
        }
        using (await networks.LockAsync(cancellationToken))
        {
            info = await portLayer.Containers.InspectAsync(info.Spec.Id, cancellationToken);
            var endpoints = NetworkAnnotations.Read(info);
            var endpoint = endpoints.FirstOrDefault(e => network is not null
                    ? e.NetworkId == network.Id
                    : e.NetworkName == networkNameOrId || e.NetworkId.StartsWith(networkNameOrId, StringComparison.Ordinal))
                ?? throw new InternalException($"container {info.Spec.Id} is not connected to network {network?.Name ?? networkNameOrId}");
            if (info.Spec.Nics.Any(n => n.NetworkId == endpoint.NetworkId))
                await portLayer.Nics.DisconnectAsync(info.Spec.Id, endpoint.NetworkId, cancellationToken);
            await WriteEndpointsAsync(info, endpoints.Where(e => e != endpoint).ToList(), CancellationToken.None);
            if (networks.TryFind(endpoint.NetworkId) is { } left)
                LogIfRunning(info, left, "disconnect");
        }
    }

    /// <summary>dockerd logs connect and disconnect when a running container's endpoint joins or leaves; a stopped
    /// container's only change configuration, and its next start logs the connect.</summary>
    private void LogIfRunning(ContainerInfo info, NetworkRecord network, string action)
    {
        if (info.Status.State is ContainerRunState.Running or ContainerRunState.Paused)
            events.Publish(EventTypes.Network, action, network.Id, Events.EventBroker.NetworkAttributes(network, info.Spec.Id));
    }

    private async Task WriteEndpointsAsync(ContainerInfo info, List<EndpointRecord> endpoints, CancellationToken cancellationToken)
    {
        var annotations = new Dictionary<string, string>(info.Spec.Annotations) { [NetworkAnnotations.Key] = NetworkAnnotations.Write(endpoints) };
        await portLayer.Containers.UpdateMetadataAsync(info.Spec.Id, info.Spec.Name, annotations, cancellationToken);
    }

    private static string NormalizeLink(string link)
    {
        var (target, alias) = ContainerNetworking.ParseLink(link);
        return $"{target}:{alias}";
    }
}
