using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>The end of every run: flush the disks, then power off (QEMU runs with -no-reboot, so it exits).</summary>
internal static class Shutdown
{
    public static void PowerOff()
    {
        // Leases go back to their servers while the NICs are still up (already done, and a no-op, on the usual path).
        DhcpAgent.ReleaseAll();
        Libc.sync();
        // Remounting read-only completes the ext4 journal; it fails when something still holds a file
        // open for writing, and sync above already made the data durable, so the result is ignored.
        // Volumes too: a cleanly closed journal lets the next VM attach the volume read-only.
        foreach (string volume in ContainerMounts.VolumeTargets)
        {
            Libc.mount(null, volume, null, Consts.MS_REMOUNT | Consts.MS_RDONLY, null);
        }
        Libc.mount(null, "/", null, Consts.MS_REMOUNT | Consts.MS_RDONLY, null);
        Libc.sync();
        Libc.reboot(Consts.RB_POWER_OFF);
        // Power-off needs a platform method (ACPI); a reboot always ends QEMU under -no-reboot.
        Libc.reboot(Consts.RB_AUTOBOOT);
        // Unreachable unless both failed: returning from PID 1 panics the kernel, and panic=-1 reboots it.
        Environment.Exit(1);
    }
}
