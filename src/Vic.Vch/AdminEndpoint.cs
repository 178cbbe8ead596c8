using System.Net;

namespace Vic.Vch;

/// <summary>Where vicadmin listens: the given address, else the Docker endpoint's, else loopback.</summary>
internal static class AdminEndpoint
{
    public static string Format(string? address, string? dockerTcp, int port)
    {
        IPAddress ip = address is not null ? IPAddress.Parse(address)
            : dockerTcp is not null && IPEndPoint.TryParse(dockerTcp, out var docker) ? docker.Address
            : IPAddress.Loopback;
        return new IPEndPoint(ip, port).ToString();
    }
}
