using System.Text.Json;
using Vic.PortLayer;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Tests.Unit;

/// <summary>The /proc and QMP parsers behind docker stats, and Docker's restart rules.</summary>
public sealed class StatsAndRestartRulesTests
{
    [Fact]
    public void ProcessCpuIsReadAfterACommandNameWithSpacesAndParentheses()
    {
        const string stat = "4242 (qemu (vic) x) S 1 4242 4242 0 -1 4194624 100 0 0 0 250 75 0 0 20 0 3 0 123 456 789";
        var cpu = ProcStats.ParseProcessCpu(stat);
        Assert.NotNull(cpu);
        ulong tick = 1_000_000_000UL / 100;
        Assert.Equal((250 * tick, 75 * tick), cpu.Value);
        Assert.Null(ProcStats.ParseProcessCpu("garbage"));
    }

    [Fact]
    public void HostCpuSumsTheBusyAndIdleStatesAndCountsCpus()
    {
        const string stat = "cpu  100 5 50 800 10 1 2 3 40 0\ncpu0 50 2 25 400 5 0 1 1 20 0\ncpu1 50 3 25 400 5 1 1 2 20 0\nintr 1\n";
        var (total, cpus) = ProcStats.ParseHostCpu(stat);
        Assert.Equal(971UL * (1_000_000_000UL / 100), total); // guest time (40) is inside user already
        Assert.Equal(2, cpus);
    }

    [Fact]
    public void ResidentMemoryComesFromVmRss()
    {
        Assert.Equal(1234UL * 1024, ProcStats.ParseResidentBytes("Name:\tqemu\nVmRSS:\t    1234 kB\nThreads:\t3\n"));
        Assert.Null(ProcStats.ParseResidentBytes("Name:\tkthread\n"));
    }

    [Fact]
    public void TapsAreFoundOnTheCommandLineAndTheirCountersInNetDev()
    {
        string[] argv = ["qemu", "-netdev", "tap,id=n0,ifname=vic-tap0,script=no,downscript=no", "-device", "x", "-netdev", "tap,id=n1,ifname=vic-tap1,script=no"];
        Assert.Equal(["vic-tap0", "vic-tap1"], ProcStats.TapNames(argv));
        const string netDev = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
            vic-tap0:    5000      50    1    2    0     0          0         0     9000      90    3    4    0     0       0          0
            """;
        var counters = ProcStats.ParseNetDev(netDev, ProcStats.TapNames(argv));
        ulong[] tap0 = Assert.Single(counters).Value;
        Assert.Equal(5000UL, tap0[0]);
        Assert.Equal(9000UL, tap0[8]);
    }

    [Fact]
    public void BlockStatsKeepTheBackendsDrivesInAttachOrder()
    {
        using var doc = JsonDocument.Parse("""
            [{"device":"disk1","stats":{"rd_bytes":1,"wr_bytes":2,"rd_operations":3,"wr_operations":4}},
             {"device":"","node-name":"#block123","stats":{"rd_bytes":9}},
             {"device":"disk0","stats":{"rd_bytes":10,"wr_bytes":20,"rd_operations":30,"wr_operations":40}}]
            """);
        var disks = ContainerStatsSampler.ParseBlockStats(doc.RootElement);
        Assert.Equal([new DiskStats(0, "disk0", 10, 20, 30, 40), new DiskStats(1, "disk1", 1, 2, 3, 4)], disks);
    }

    [Theory]
    [InlineData(RestartMode.No, 0, 1, false, 0, false)]
    [InlineData(RestartMode.Always, 0, 0, true, 5, true)]
    [InlineData(RestartMode.UnlessStopped, 0, 0, false, 0, true)]
    [InlineData(RestartMode.UnlessStopped, 0, 1, true, 0, false)]
    [InlineData(RestartMode.OnFailure, 0, 0, false, 0, false)]
    [InlineData(RestartMode.OnFailure, 0, 1, false, 100, true)]
    [InlineData(RestartMode.OnFailure, 3, 1, false, 2, true)]
    [InlineData(RestartMode.OnFailure, 3, 1, false, 3, false)]
    public void RestartDecisionsFollowDockersRules(RestartMode mode, int max, int exitCode, bool manuallyStopped, int count, bool expected) =>
        Assert.Equal(expected, RestartRules.ShouldRestart(new ContainerRestartPolicy(mode, max), exitCode, manuallyStopped, count));

    [Fact]
    public void TheDelayDoublesFrom100MsUpToAMinuteAndResetsAfterALongRun()
    {
        TimeSpan short1 = TimeSpan.FromSeconds(1);
        var delays = new List<TimeSpan>();
        TimeSpan d = TimeSpan.Zero;
        for (int i = 0; i < 12; i++)
            delays.Add(d = RestartRules.NextDelay(d, short1));
        Assert.Equal([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000], delays.Select(x => (int)x.TotalMilliseconds));
        Assert.Equal(TimeSpan.FromMilliseconds(100), RestartRules.NextDelay(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)));
    }
}
