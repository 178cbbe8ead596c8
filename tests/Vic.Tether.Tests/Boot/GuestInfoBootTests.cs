using System.Diagnostics;
using System.Text;
using Vic.Tether.Protocol;
using Xunit.Abstractions;

namespace Vic.Tether.Tests.Boot;

/// <summary>
/// The spec's other sources, in real guests: guestinfo pairs in fw_cfg (a VM configured the way vSphere configures
/// one), and the real port I/O path to the VMware backdoor on a PC machine with QEMU's vmport device, which answers
/// GETVERSION but not the RPCI channel.
/// </summary>
[Collection(BootCollection.Name)]
public sealed class GuestInfoBootTests(BootFixture fixture, ITestOutputHelper output)
{
    private const string Id = "feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface";

    /// <summary>SMBIOS saying VMware, as vSphere's firmware does; on QEMU only DMI changes, the CPUID leaf stays TCG's.</summary>
    private const string VmwareSmbios = "type=1,manufacturer=VMware,, Inc.,product=VMware Virtual Platform";

    private static VmSpec Spec(string command) => new()
    {
        Mode = VmMode.Container,
        Id = Id,
        HostTimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Process = new ProcessSpec { Args = ["sh", "-c", command] },
    };

    [Fact]
    public async Task SpecInGuestInfoPairsThroughFwCfgRuns()
    {
        (string dir, string disk) = fixture.NewRun();
        // Big enough for several chunks: the reader joins them and checks the checksum in the guest.
        string payload = string.Concat(Enumerable.Range(0, 3000).Select(i => $"{i * 7919 % 10007:x4}"));
        VmSpec spec = Spec("echo \"from guestinfo $(hostname) ${#BIG}\"") with
        {
            Hostname = "gi",
        };
        spec = spec with { Process = spec.Process! with { Env = [$"BIG={payload}"] } };
        Assert.True(GuestInfoSpec.Encode(spec).Count > 4, "the spec should span several chunks");

        VmResult run = await TestVm.RunAsync(dir, spec, disk, delivery: SpecDelivery.FwCfgGuestInfo);
        Assert.True(run.Exit.ExitCode == 0, run.ToString());
        Assert.Equal($"from guestinfo gi {payload.Length}\n", run.Stdout);
    }

    [Fact]
    public async Task TornGuestInfoIsRefusedWithTheKeyNamed()
    {
        (string dir, string disk) = fixture.NewRun();
        // Written by hand as an admin or a broken writer might leave it: the checksum no longer matches.
        Dictionary<string, string> pairs = GuestInfoSpec.Encode(Spec("true")).ToDictionary();
        pairs["guestinfo.vic.spec.sha256"] = new string('0', 64);
        string path = Path.Combine(dir, "guestinfo.vmx");
        File.WriteAllText(path, GuestInfoText.Format(pairs));
        VmResult run = await TestVm.RunAsync(dir, Spec("true"), disk, delivery: SpecDelivery.None,
            extraArgs: ["-fw_cfg", $"name={Channels.GuestInfoFwCfgName},file={path}"]);
        Assert.Equal(125, run.Exit.ExitCode);
        Assert.StartsWith($"container spec from fw_cfg {Channels.GuestInfoFwCfgName}: guestinfo document spec: the chunks hash to ", run.Exit.Error);
        Assert.EndsWith("but guestinfo.vic.spec.sha256 is 0000000000000000000000000000000000000000000000000000000000000000: a torn, partial or corrupt set", run.Exit.Error);
    }

    [Fact]
    public async Task BackdoorVersionIsReportedOnAVmwarePlatform()
    {
        (string dir, string disk) = fixture.NewRun();
        var clock = Stopwatch.StartNew();
        VmResult run = await TestVm.RunAsync(dir, Spec("echo ran"), disk, pcMachine: "pc,vmport=on", extraArgs: ["-smbios", VmwareSmbios]);
        output.WriteLine($"pc machine boot to power-off: {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(run.Exit.ExitCode == 0, run.ToString());
        Assert.Equal("ran\n", run.Stdout);
        string note = Assert.Single(TetherNotes(run));
        // QEMU's vmport reports version 6; the spec itself still came from fw_cfg, checked first.
        Assert.Matches("^VMware platform \\(sys_vendor \"VMware, Inc.\", product_name \"VMware Virtual Platform\", cpuid hypervisor \"[^\"]*\"\\); backdoor version 6$", note);
    }

    [Fact]
    public async Task BackdoorWithoutRpciFailsClearlyInsteadOfHanging()
    {
        (string dir, string disk) = fixture.NewRun();
        VmResult run = await TestVm.RunAsync(dir, Spec("echo never"), disk, pcMachine: "pc,vmport=on", extraArgs: ["-smbios", VmwareSmbios],
            delivery: SpecDelivery.None);
        Assert.False(run.HasStarted, run.ToString());
        Assert.Equal(125, run.Exit.ExitCode);
        Assert.Equal("container spec from the VMware backdoor: the backdoor refused to open an RPCI channel (status 0x0000): no guestinfo can be read", run.Exit.Error);
    }

    [Fact]
    public async Task VmwareDmiWithoutABackdoorSaysTheBackdoorIsNotAnswering()
    {
        (string dir, string disk) = fixture.NewRun();
        VmResult run = await TestVm.RunAsync(dir, Spec("echo never"), disk, pcMachine: "pc,vmport=off", extraArgs: ["-smbios", VmwareSmbios],
            delivery: SpecDelivery.None);
        Assert.Equal(125, run.Exit.ExitCode);
        Assert.StartsWith("VMware platform (sys_vendor \"VMware, Inc.\"", run.Exit.Error);
        Assert.EndsWith(") but the backdoor is not answering: cannot read guestinfo", run.Exit.Error);
        Assert.EndsWith("; backdoor not answering", Assert.Single(TetherNotes(run)));
    }

    private static string[] TetherNotes(VmResult run) =>
        [.. run.Records.Where(r => r.Kind == LogRecordKind.Tether).Select(r => Encoding.UTF8.GetString(r.Payload.Span))];
}
