using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Vic.Machine;

/// <summary>The VCH's TCP endpoint: where it listens, what its server certificate must name, what clients dial.</summary>
internal static partial class Endpoint
{
    public const int TlsPort = 2376;
    public const int PlainPort = 2375;

    [GeneratedRegex(@"^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")]
    private static partial Regex DnsName();

    public static IPAddress ParseAddress(string text) =>
        IPAddress.TryParse(text.Trim('[', ']'), out var address)
            ? address
            : throw new MachineException($"invalid --endpoint-address \"{text}\": give an IP address of this host (0.0.0.0 for all)", ExitCodes.InvalidArgument);

    public static void ValidateCname(string name)
    {
        if (!IPAddress.TryParse(name, out _) && (name.Length > 253 || !DnsName().IsMatch(name)))
            throw new MachineException($"invalid --tls-cname \"{name}\": give a DNS name or an IP address", ExitCodes.InvalidArgument);
    }

    public static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>"127.0.0.1:2376" or "[::1]:2376", as the daemon's --tcp takes it.</summary>
    public static string Format(IPAddress address, int port) => new IPEndPoint(address, port).ToString();

    /// <summary>The host part of DOCKER_HOST: the first --tls-cname, else the address (this host's name when it is all addresses).</summary>
    public static string ClientHost(IPAddress address, IReadOnlyList<string> cnames)
    {
        if (cnames.Count > 0)
            return IPAddress.TryParse(cnames[0], out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : cnames[0];
        if (IsAny(address))
            return Dns.GetHostName();
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }

    /// <summary>The names and addresses the server certificate covers: every --tls-cname and the listening address
    /// (loopback adds localhost; all addresses adds this host's name and its interface addresses).</summary>
    public static (IReadOnlyList<string> Dns, IReadOnlyList<IPAddress> Addresses) ServerNames(IPAddress address, IReadOnlyList<string> cnames)
    {
        var dns = new List<string>();
        var ips = new List<IPAddress>();
        foreach (string name in cnames)
        {
            if (IPAddress.TryParse(name, out var ip))
                ips.Add(ip);
            else
                dns.Add(name);
        }
        if (IsAny(address))
        {
            dns.Add(Dns.GetHostName());
            dns.Add("localhost");
            ips.AddRange(LocalAddresses());
        }
        else
        {
            ips.Add(address);
            if (IPAddress.IsLoopback(address))
                dns.Add("localhost");
        }
        return (dns.Distinct(StringComparer.OrdinalIgnoreCase).ToList(), ips.Distinct().ToList());
    }

    private static IEnumerable<IPAddress> LocalAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
            .Where(a => !a.IsIPv6LinkLocal)
            .Append(IPAddress.Loopback)
            .Append(IPAddress.IPv6Loopback);

    /// <summary>
    /// Binds the endpoint for a moment to prove it is free (port 0: picks a free port and returns it).
    /// Refuses an address this host does not have, or a port something else holds.
    /// </summary>
    public static int ProbeFree(IPAddress address, int port)
    {
        try
        {
            using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(address, port));
            return ((IPEndPoint)listener.LocalEndPoint!).Port;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new MachineException($"port {port} on {address} is in use: choose another with --endpoint-port", ExitCodes.Conflict);
        }
        catch (SocketException e)
        {
            throw new MachineException($"cannot listen on {Format(address, port)}: {e.Message}", ExitCodes.InvalidArgument);
        }
    }

    /// <summary>True when two endpoints cannot both listen (same port, and the same address or one of them is all addresses).</summary>
    public static bool Overlap(IPAddress a, int portA, IPAddress b, int portB) =>
        portA == portB && (a.Equals(b) || IsAny(a) || IsAny(b));
}
