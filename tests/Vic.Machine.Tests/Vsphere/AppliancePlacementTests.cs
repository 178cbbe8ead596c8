using Vic.Machine.Vsphere;

namespace Vic.Machine.Tests.Vsphere;

public sealed class AppliancePlacementTests
{
    private static CreateRequest Request(string? ip = null, string? gateway = null, string? target = null) =>
        new() { Name = "v", CertPath = "/c", ApplianceDirectory = "/a", ContainerBaseDirectory = "/b", PublicIp = ip, PublicGateway = gateway, ApplianceTarget = target };

    [Fact]
    public void Generated_macs_are_in_vmwares_manual_range()
    {
        for (int i = 0; i < 200; i++)
        {
            string mac = AppliancePlacement.NewMac();
            Assert.Matches("^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$", mac);
            Assert.True(AppliancePlacement.InManualRange(mac));
        }
        Assert.False(AppliancePlacement.InManualRange("00:50:56:40:00:00"));
        Assert.False(AppliancePlacement.InManualRange("02:42:ac:11:00:02"));
    }

    [Theory]
    [InlineData("10.0.2.15/24", "10.0.2.2", null, null)]
    [InlineData("10.0.2.15", null, null, "invalid --public-network-ip \"10.0.2.15\": give <IPv4 address>/<prefix length>, e.g. 192.168.1.10/24")]
    [InlineData("10.0.2.15/24", "10.0.3.2", null, "--public-network-gateway 10.0.3.2 is not on the --public-network-ip subnet 10.0.2.15/24")]
    [InlineData("10.0.2.15/24", "gw", null, "invalid --public-network-gateway \"gw\": give an IPv4 address")]
    [InlineData(null, "10.0.2.2", null, "--public-network-gateway needs --public-network-ip")]
    [InlineData(null, null, "http://10.0.2.100/DC0", "invalid --appliance-target \"http://10.0.2.100/DC0\": give https://host[:port][/datacenter], without credentials")]
    [InlineData(null, null, "https://10.0.2.100:8989/DC0", null)]
    public void Network_options_are_checked_before_anything_is_made(string? ip, string? gateway, string? target, string? problem) =>
        Assert.Equal(problem is null ? [] : [problem], AppliancePlacement.Problems(Request(ip, gateway, target)));
}
