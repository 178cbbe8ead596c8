namespace Vic.Tether.Tests.GuestInfo;

public sealed class PlatformTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vic-sysfs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Sys(string? vendor, string? product)
    {
        string dmi = Path.Combine(_root, "class", "dmi", "id");
        Directory.CreateDirectory(dmi);
        if (vendor is not null)
            File.WriteAllText(Path.Combine(dmi, "sys_vendor"), vendor + "\n");
        if (product is not null)
            File.WriteAllText(Path.Combine(dmi, "product_name"), product + "\n");
        return _root;
    }

    [Theory]
    [InlineData("VMware, Inc.", "VMware Virtual Platform", "VMwareVMware", true)]
    [InlineData("VMware, Inc.", "VMware7,1", "", true)] // CPUID hypervisor leaf masked
    [InlineData("Some OEM", "VMware Virtual Platform", "", true)]
    [InlineData("QEMU", "Standard PC (i440FX + PIIX, 1996)", "VMwareVMware", true)] // DMI overridden, CPUID says VMware
    [InlineData("QEMU", "Standard PC (Q35 + ICH9, 2009)", "TCGTCGTCGTCG", false)]
    [InlineData("QEMU", "Standard PC (i440FX + PIIX, 1996)", "KVMKVMKVM", false)]
    public void VmwareIsRecognisedFromDmiOrCpuid(string vendor, string product, string cpuid, bool vmware)
    {
        Platform platform = Platform.Detect(Sys(vendor, product), cpuid);
        Assert.Equal(vmware, platform.IsVmware);
        Assert.Equal(vendor, platform.SysVendor);
        Assert.Equal(product, platform.ProductName);
    }

    [Fact]
    public void NoDmiAtAllIsNotVmware()
    {
        // microvm has no SMBIOS tables: /sys/class/dmi/id is absent.
        Platform platform = Platform.Detect(_root, "TCGTCGTCGTCG");
        Assert.False(platform.IsVmware);
        Assert.Equal("sys_vendor \"\", product_name \"\", cpuid hypervisor \"TCGTCGTCGTCG\"", platform.ToString());
    }
}
