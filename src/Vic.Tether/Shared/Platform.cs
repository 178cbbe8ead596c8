namespace Vic.Tether;

/// <summary>What the tether knows about the hypervisor it runs on, and how it knows.</summary>
/// <param name="SysVendor">DMI system vendor ("VMware, Inc.", "QEMU"), empty without DMI (microvm has none).</param>
/// <param name="ProductName">DMI product name ("VMware Virtual Platform", "VMware7,1", "Standard PC (i440FX + PIIX, 1996)").</param>
/// <param name="CpuidVendor">CPUID leaf 0x40000000 vendor ("VMwareVMware", "TCGTCGTCGTCG", "KVMKVMKVM"), empty when none.</param>
internal sealed record Platform(string SysVendor, string ProductName, string CpuidVendor)
{
    /// <summary>VMware when either source says so: DMI can be overridden by the VM's configuration (and by QEMU's
    /// -smbios), CPUID can be masked (hypervisor.cpuid.v0 = FALSE); one is enough to try the backdoor, which then
    /// has the last word.</summary>
    public bool IsVmware =>
        SysVendor.StartsWith("VMware", StringComparison.OrdinalIgnoreCase)
        || ProductName.StartsWith("VMware", StringComparison.OrdinalIgnoreCase)
        || CpuidVendor == "VMwareVMware";

    public override string ToString() =>
        $"sys_vendor \"{SysVendor}\", product_name \"{ProductName}\", cpuid hypervisor \"{CpuidVendor}\"";

    /// <summary>Reads DMI from <paramref name="sysRoot"/> (normally /sys; tests use a fake tree).</summary>
    public static Platform Detect(string sysRoot, string cpuidVendor) =>
        new(ReadDmi(sysRoot, "sys_vendor"), ReadDmi(sysRoot, "product_name"), cpuidVendor);

    private static string ReadDmi(string sysRoot, string field)
    {
        try
        {
            return File.ReadAllText(Path.Combine(sysRoot, "class", "dmi", "id", field)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
