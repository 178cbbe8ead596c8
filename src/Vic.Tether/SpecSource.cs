using System.Text;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Where the spec comes from, in this order (the same binary on every hypervisor):
/// <list type="number">
/// <item>fw_cfg <c>opt/vic/spec</c>: the JSON itself (the local QEMU backend);</item>
/// <item>fw_cfg <c>opt/vic/guestinfo</c>: guestinfo pairs as .vmx lines, i.e. a VM configured the way vSphere
/// configures one, booted under QEMU;</item>
/// <item>on VMware (DMI or CPUID says so): the guestinfo keys through the backdoor's RPCI channel.</item>
/// </list>
/// fw_cfg exists only under QEMU, so checking it first never hides a VMware configuration.
/// </summary>
internal static class SpecSource
{
    private const string FwCfg = "/sys/firmware/qemu_fw_cfg/by_name/";

    /// <summary>The VMware backdoor when <see cref="ReadJson"/> found one answering (for info-set later).</summary>
    public static VmwareBackdoor? Backdoor { get; private set; }

    /// <summary>The spec JSON. Throws <see cref="TetherException"/> saying which source failed and why.</summary>
    public static byte[] ReadJson(LogWriter log)
    {
        Platform platform = Platform.Detect("/sys", IoPortBackdoor.CpuidHypervisorVendor());
        VmwareBackdoor? backdoor = platform.IsVmware ? ProbeBackdoor(platform, log) : null;
        Backdoor = backdoor;

        if (ReadFwCfg(Channels.SpecFwCfgName) is byte[] json)
        {
            log.Debug($"spec read from fw_cfg {Channels.SpecFwCfgName}");
            return json;
        }
        if (ReadFwCfg(Channels.GuestInfoFwCfgName) is byte[] text)
        {
            Dictionary<string, string> pairs = Guarded(() => GuestInfoText.Parse(Encoding.UTF8.GetString(text)), $"fw_cfg {Channels.GuestInfoFwCfgName}");
            log.Debug($"spec read from fw_cfg {Channels.GuestInfoFwCfgName} ({pairs.Count} guestinfo keys)");
            return Guarded(() => GuestInfo.DecodeDocument(GuestInfoSpec.Name, pairs), $"fw_cfg {Channels.GuestInfoFwCfgName}");
        }
        if (platform.IsVmware)
        {
            if (backdoor is null)
            {
                throw new TetherException($"VMware platform ({platform}) but the backdoor is not answering: cannot read guestinfo");
            }
            long start = Clock.MonotonicMs();
            byte[] spec = Guarded(() => GuestInfoSpec.DecodeJson(backdoor.GetGuestInfo), "the VMware backdoor");
            log.Debug($"spec read from guestinfo through the VMware backdoor in {Clock.MonotonicMs() - start} ms");
            return spec;
        }
        throw new TetherException($"no container spec: no fw_cfg {Channels.SpecFwCfgName} or {Channels.GuestInfoFwCfgName}, and not VMware ({platform})");
    }

    /// <summary>GETVERSION; the answer (or its absence) goes to the log, as the record of what the VM ran on.</summary>
    private static VmwareBackdoor? ProbeBackdoor(Platform platform, LogWriter log)
    {
        try
        {
            var backdoor = new VmwareBackdoor(IoPortBackdoor.Open());
            if (backdoor.GetVersion() is uint version)
            {
                log.Tether($"VMware platform ({platform}); backdoor version {version}");
                return backdoor;
            }
            log.Tether($"VMware platform ({platform}); backdoor not answering");
        }
        catch (TetherException e)
        {
            log.Tether($"VMware platform ({platform}); backdoor unusable: {e.Message}");
        }
        return null;
    }

    private static byte[]? ReadFwCfg(string name)
    {
        string path = FwCfg + name + "/raw";
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TetherException($"cannot read the container spec from fw_cfg {name}: {e.Message}");
        }
    }

    private static T Guarded<T>(Func<T> read, string source)
    {
        try
        {
            return read();
        }
        catch (GuestInfoException e)
        {
            throw new TetherException($"container spec from {source}: {e.Message}");
        }
        catch (BackdoorException e)
        {
            throw new TetherException($"container spec from {source}: {e.Message}");
        }
    }
}
