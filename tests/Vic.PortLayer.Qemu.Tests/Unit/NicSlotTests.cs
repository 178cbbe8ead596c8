using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Network;

namespace Vic.PortLayer.Qemu.Tests.Unit;

public sealed class NicSlotTests
{
    private const string Id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void SlotMacsAreStableLocallyAdministeredUnicastAndDistinctFromEndpointMacs()
    {
        string mac = NicSlots.SlotMac(Id, 3);
        Assert.Equal(mac, NicSlots.SlotMac(Id, 3));
        Assert.Matches("^02:56(:[0-9a-f]{2}){4}$", mac);
        Assert.NotEqual(mac, NicSlots.SlotMac(Id, 4));
        Assert.NotEqual(mac, NicSlots.SlotMac(Id.Replace('0', 'f'), 3));
        var all = Enumerable.Range(0, NicSlots.MaxSlots).Select(s => NicSlots.SlotMac(Id, s)).ToHashSet();
        Assert.Equal(NicSlots.MaxSlots, all.Count);
    }

    [Fact]
    public void SlotNumbersComeBackFromTapNamesOfTheSameContainerOnly()
    {
        Assert.Equal(0, NicSlots.SlotOf(Id, NamespaceFabric.TapName(Id, 0)));
        Assert.Equal(7, NicSlots.SlotOf(Id, NamespaceFabric.TapName(Id, 7)));
        Assert.Equal(-1, NicSlots.SlotOf(Id, NamespaceFabric.TapName("fedcba9876" + Id[10..], 1)));
        Assert.Equal(-1, NicSlots.SlotOf(Id, "br-0123456789ab"));
        Assert.True(NamespaceFabric.TapName(Id, NicSlots.MaxSlots - 1).Length <= 15); // IFNAMSIZ - 1
    }

    [Fact]
    public void LinkListingGivesEachTapItsBridgeOrNone()
    {
        const string output = """
            1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
            5: br-0123456789ab: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\    link/ether 6e:1f:aa:00:00:01 brd ff:ff:ff:ff:ff:ff
            7: vt01234567890: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel master br-0123456789ab state UP mode DEFAULT group default qlen 1000\    link/ether 1a:2b:3c:4d:5e:6f brd ff:ff:ff:ff:ff:ff
            8: vt01234567891: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\    link/ether 1a:2b:3c:4d:5e:70 brd ff:ff:ff:ff:ff:ff
            9: veth1@if10: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\    link/ether 1a:2b:3c:4d:5e:71 brd ff:ff:ff:ff:ff:ff link-netnsid 0
            """;
        var links = NamespaceFabric.ParseLinks(output).ToDictionary(l => l.Name, l => l.Master);
        Assert.Equal("br-0123456789ab", links["vt01234567890"]);
        Assert.Null(links["vt01234567891"]);
        Assert.Null(links["br-0123456789ab"]);
        Assert.True(links.ContainsKey("veth1"));
        Assert.Equal(5, links.Count);
    }
}
