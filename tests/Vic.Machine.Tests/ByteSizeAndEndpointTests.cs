using System.Net;
using System.Net.Sockets;

namespace Vic.Machine.Tests;

public sealed class ByteSizeAndEndpointTests
{
    [Theory]
    [InlineData("512m", 512L << 20)]
    [InlineData("4g", 4L << 30)]
    [InlineData("4GiB", 4L << 30)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("100", 100L)]
    [InlineData("2T", 2L << 40)]
    public void Sizes_parse_in_binary_units(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text, "--memory"));

    [Theory]
    [InlineData(4L << 30, "4g")]
    [InlineData(1536L << 20, "1536m")]
    [InlineData(1000L, "1000b")]
    public void Sizes_format_exactly(long bytes, string text)
    {
        Assert.Equal(text, ByteSize.Format(bytes));
        Assert.Equal(bytes, ByteSize.Parse(text, "--memory"));
    }

    [Fact]
    public void Server_names_for_loopback_are_the_address_and_localhost_plus_cnames()
    {
        var (dns, ips) = Endpoint.ServerNames(IPAddress.Loopback, ["vch.example.test", "192.0.2.7"]);
        Assert.Equal(["vch.example.test", "localhost"], dns);
        Assert.Equal([IPAddress.Parse("192.0.2.7"), IPAddress.Loopback], ips);
    }

    [Fact]
    public void Server_names_for_all_addresses_include_this_hosts_name_and_loopback()
    {
        var (dns, ips) = Endpoint.ServerNames(IPAddress.Any, []);
        Assert.Contains(Dns.GetHostName(), dns);
        Assert.Contains(IPAddress.Loopback, ips);
    }

    [Fact]
    public void A_port_in_use_is_a_conflict_and_port_zero_picks_a_free_one()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var error = Assert.Throws<MachineException>(() => Endpoint.ProbeFree(IPAddress.Loopback, taken));
        Assert.Equal(ExitCodes.Conflict, error.ExitCode);
        Assert.Contains($"port {taken} on 127.0.0.1 is in use", error.Message);
        Assert.NotEqual(0, Endpoint.ProbeFree(IPAddress.Loopback, 0));
    }

    [Fact]
    public void An_address_this_host_lacks_is_an_invalid_argument()
    {
        // 192.0.2.0/24 is TEST-NET-1: never assigned to a host. Binding sends nothing.
        var error = Assert.Throws<MachineException>(() => Endpoint.ProbeFree(IPAddress.Parse("192.0.2.1"), 0));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
    }

    [Theory]
    [InlineData("0.0.0.0", 2376, "127.0.0.1", 2376, true)]
    [InlineData("127.0.0.1", 2376, "127.0.0.1", 2377, false)]
    [InlineData("127.0.0.1", 2376, "127.0.0.2", 2376, false)]
    public void Endpoints_overlap_on_the_same_port_and_address_or_any(string a, int pa, string b, int pb, bool overlap) =>
        Assert.Equal(overlap, Endpoint.Overlap(IPAddress.Parse(a), pa, IPAddress.Parse(b), pb));
}
