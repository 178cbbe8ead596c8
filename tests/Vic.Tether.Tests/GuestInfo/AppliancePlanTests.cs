using Vic.Tether.Protocol;

namespace Vic.Tether.Tests.GuestInfo;

public sealed class AppliancePlanTests
{
    private static VmSpec Spec(ApplianceSpec? appliance) => new() { Mode = VmMode.Appliance, Id = "vch", Appliance = appliance };

    [Fact]
    public void ValidSpecPasses() =>
        Assert.Null(AppliancePlan.Validate(Spec(new ApplianceSpec
        {
            VchArgs = ["--name", "x"],
            DataDevice = "/dev/vdb",
            Secrets = [new SealedSecret("server-key.pem", Convert.ToBase64String("sealed"u8.ToArray()))],
            KeyDevice = "/dev/sdb",
        })));

    [Theory]
    [InlineData(null, "invalid appliance spec: Mode Appliance without Appliance")]
    [InlineData("mount", "invalid appliance spec: DataMountPoint \"var/lib\" is not an absolute path")]
    [InlineData("device", "invalid appliance spec: DataDevice \"vdb\" is not a /dev path")]
    [InlineData("secret-name", "invalid appliance spec: secret name \"../etc/passwd\" is not a plain file name")]
    [InlineData("secret-content", "invalid appliance spec: secret key is not base64")]
    [InlineData("secret-twice", "invalid appliance spec: two secrets with the same name")]
    [InlineData("no-key", "invalid appliance spec: KeyDevice \"\" is neither a /dev path nor scsi:<target>:<lun> (the secrets cannot be opened without it)")]
    public void BadSpecIsRefusedWithTheField(string? fault, string message)
    {
        var appliance = new ApplianceSpec { VchArgs = [], KeyDevice = "/dev/sdb" };
        ApplianceSpec? spec = fault switch
        {
            null => null,
            "mount" => appliance with { DataMountPoint = "var/lib" },
            "device" => appliance with { DataDevice = "vdb" },
            "secret-name" => appliance with { Secrets = [new("../etc/passwd", "")] },
            "secret-content" => appliance with { Secrets = [new("key", "not base64!")] },
            "no-key" => appliance with { Secrets = [new("key", "")], KeyDevice = "" },
            _ => appliance with { Secrets = [new("key", ""), new("key", "")] },
        };
        Assert.Equal(message, AppliancePlan.Validate(Spec(spec)));
    }

    [Fact]
    public void SpecEnvironmentOverridesTheDefaults()
    {
        List<string> env = AppliancePlan.Environment(["DOTNET_EnableDiagnostics=1", "VIC_EXTRA=yes"]);
        Assert.Contains("DOTNET_EnableDiagnostics=1", env);
        Assert.DoesNotContain("DOTNET_EnableDiagnostics=0", env);
        Assert.Contains("VIC_EXTRA=yes", env);
        Assert.Contains("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", env);
    }

    [Fact]
    public void SealedSecretsAndTheKeyDeviceAreHandedToVicVch()
    {
        var appliance = new ApplianceSpec { VchArgs = ["--name", "x"], Secrets = [new SealedSecret("k", "")], KeyDevice = "/dev/sdb" };
        Assert.Equal(["--name", "x", "--sealed-secrets", "/run/vic/sealed", "--key-device", "/dev/sdb"], AppliancePlan.VchArgs(appliance));
        Assert.Equal(["--name", "x"], AppliancePlan.VchArgs(appliance with { Secrets = [] }));
    }

    [Theory]
    [InlineData("scsi:1:0", "2:0:1:0", true)]
    [InlineData("scsi:1:0", "0:0:0:0", false)]
    [InlineData("scsi:0:1", "32:0:0:1", true)]
    public void ScsiAddressesNameADiskByTargetAndLun(string device, string hctl, bool matches)
    {
        var (target, lun) = ScsiAddress.Parse(device)!.Value;
        Assert.Equal(matches, ScsiAddress.Matches(hctl, target, lun));
        Assert.Null(ScsiAddress.Parse("/dev/sda"));
        Assert.Null(ScsiAddress.Parse("scsi:x:0"));
    }

    [Fact]
    public void RestartDelayDoublesUpToThirtySeconds() =>
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(1, 7).Select(n => (int)AppliancePlan.RestartDelay(n).TotalSeconds));

    [Fact]
    public void ApplianceSpecRoundTripsThroughGuestInfo()
    {
        VmSpec spec = Spec(new ApplianceSpec { VchArgs = ["--name", "vch1", "--tcp", "0.0.0.0:2376"], DataDevice = "/dev/vdb" });
        VmSpec back = GuestInfoSpec.Decode(GuestInfoSpec.Encode(spec).ToDictionary());
        Assert.Equal(VmMode.Appliance, back.Mode);
        Assert.Equal(["--name", "vch1", "--tcp", "0.0.0.0:2376"], back.Appliance!.VchArgs);
        Assert.Equal("/dev/vdb", back.Appliance.DataDevice);
    }
}
