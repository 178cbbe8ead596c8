using System.Globalization;
using Vic.Engine.Containers;
using Vic.Engine.Models;
using Vic.Engine.Networks;

namespace Vic.Engine.Mapping;

/// <summary>A container's endpoints and published ports as dockerd shows them in inspect and ps.</summary>
internal static class NetworkMapper
{
    public static ContainerInspect WithNetworks(ContainerInspect inspect, ContainerRecord c, IReadOnlyList<PublishedPort> published)
    {
        var endpoints = NetworkAnnotations.Read(c.Info).Select(e => DhcpLeases.Shown(e, c.Info)).ToList();
        // The top-level fields describe the default bridge only, as dockerd's do.
        var bridge = endpoints.FirstOrDefault() is { NetworkName: NetworkService.DefaultNetworkName } first ? first : null;
        var ports = new Dictionary<string, List<PortBinding>?>();
        foreach (string exposed in c.Config.ExposedPorts?.Keys ?? Enumerable.Empty<string>())
            ports[exposed] = null;
        foreach (var port in published)
        {
            string key = $"{port.ContainerPort}/{port.Protocol}";
            var list = ports.GetValueOrDefault(key) ?? [];
            list.Add(new PortBinding { HostIp = port.HostIp, HostPort = port.HostPort.ToString(CultureInfo.InvariantCulture) });
            ports[key] = list;
        }
        bool running = c.IsRunning;
        return inspect with
        {
            NetworkSettings = inspect.NetworkSettings with
            {
                Ports = ports,
                SandboxID = running ? c.Id : "",
                EndpointID = running ? bridge?.EndpointId ?? "" : "",
                Gateway = bridge?.Gateway ?? "",
                IPAddress = bridge?.IPAddress ?? "",
                IPPrefixLen = bridge?.PrefixLength ?? 0,
                MacAddress = bridge?.MacAddress ?? "",
                Networks = endpoints.ToDictionary(e => e.NetworkName, e => Settings(e, c)),
            },
        };
    }

    public static ContainerSummary WithNetworks(ContainerSummary summary, ContainerRecord c, IReadOnlyList<PublishedPort> published)
    {
        var ports = published.Select(p => new PortSummary
        {
            IP = p.HostIp,
            PrivatePort = int.Parse(p.ContainerPort, CultureInfo.InvariantCulture),
            PublicPort = p.HostPort,
            Type = p.Protocol,
        }).ToList();
        foreach (string exposed in c.Config.ExposedPorts?.Keys ?? Enumerable.Empty<string>())
        {
            var (port, protocol) = PortPublisher.SplitPort(exposed);
            int number = int.Parse(port, CultureInfo.InvariantCulture);
            if (!ports.Any(p => p.PrivatePort == number && p.Type == protocol))
                ports.Add(new PortSummary { PrivatePort = number, Type = protocol });
        }
        return summary with
        {
            Ports = ports,
            NetworkSettings = new SummaryNetworkSettings { Networks = NetworkAnnotations.Read(c.Info).Select(e => DhcpLeases.Shown(e, c.Info)).ToDictionary(e => e.NetworkName, e => Settings(e, c)) },
        };
    }

    private static EndpointSettings Settings(EndpointRecord e, ContainerRecord c) => new()
    {
        IPAMConfig = e.Static || e.LinkLocalIPs.Count > 0
            ? new EndpointIpamConfig { IPv4Address = e.Static ? e.IPAddress : null, LinkLocalIPs = e.LinkLocalIPs.Count > 0 ? e.LinkLocalIPs : null }
            : null,
        Links = e.Links.Count > 0 ? e.Links : null,
        DriverOpts = e.DriverOpts.Count > 0 ? e.DriverOpts : null,
        NetworkID = e.NetworkId,
        EndpointID = c.IsRunning ? e.EndpointId : "",
        Gateway = e.Gateway,
        IPAddress = e.IPAddress,
        IPPrefixLen = e.PrefixLength,
        MacAddress = e.MacAddress,
        Aliases = e.NetworkName == NetworkService.DefaultNetworkName ? null : [.. e.Aliases, c.Id[..12]],
        DNSNames = e.NetworkName == NetworkService.DefaultNetworkName ? null : [c.Name, .. e.Aliases, c.Id[..12]],
    };
}
