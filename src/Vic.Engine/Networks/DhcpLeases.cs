using System.Globalization;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>Endpoints on DHCP networks as the API shows them: with the lease the running containerVM reported.</summary>
internal static class DhcpLeases
{
    /// <summary>
    /// <paramref name="endpoint"/> with the address, prefix and gateway of the lease its NIC (by MAC) holds in
    /// <paramref name="container"/>'s running VM; unchanged for a static endpoint, and empty while there is no lease
    /// (not started, not yet answered, or stopped), as dockerd shows a stopped container's addresses.
    /// </summary>
    public static EndpointRecord Shown(EndpointRecord endpoint, ContainerInfo container)
    {
        if (!endpoint.Dhcp)
            return endpoint;
        var lease = container.Status.Leases.FirstOrDefault(l => string.Equals(l.Mac, endpoint.MacAddress, StringComparison.OrdinalIgnoreCase));
        int slash = lease?.Address.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (lease is null || slash < 0 || !int.TryParse(lease.Address[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int prefix))
            return endpoint;
        return endpoint with { IPAddress = lease.Address[..slash], PrefixLength = prefix, Gateway = lease.Gateway };
    }
}
