namespace Vic.Tether;

/// <summary>
/// A disk named by where it sits on its SCSI controller, "scsi:&lt;target&gt;:&lt;lun&gt;" (vSphere's unit number is the
/// target): what a spec written before the VM boots can say for sure. The kernel's /dev/sdX names follow probe
/// order, which is asynchronous, so two disks can swap names from one boot to the next.
/// </summary>
internal static class ScsiAddress
{
    public const string Prefix = "scsi:";

    /// <summary>(target, lun) of "scsi:T:L", or null for anything else (a /dev path is used as it is).</summary>
    public static (int Target, int Lun)? Parse(string device)
    {
        if (!device.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        string[] parts = device[Prefix.Length..].Split(':');
        return parts.Length == 2 && int.TryParse(parts[0], out int target) && int.TryParse(parts[1], out int lun) && target >= 0 && lun >= 0
            ? (target, lun) : null;
    }

    /// <summary>Whether a sysfs SCSI device name "H:C:T:L" (the link target of /sys/class/block/sdX/device) is
    /// target <paramref name="target"/>, lun <paramref name="lun"/> on any host and channel.</summary>
    public static bool Matches(string hctl, int target, int lun)
    {
        string[] parts = hctl.Split(':');
        return parts.Length == 4 && int.TryParse(parts[2], out int t) && int.TryParse(parts[3], out int l) && t == target && l == lun;
    }
}
