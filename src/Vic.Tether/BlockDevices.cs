using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>Turns a spec's device name into a /dev path: "scsi:T:L" is looked up in sysfs (see <see cref="ScsiAddress"/>),
/// waiting for the disk to be probed; anything else is returned as it is.</summary>
internal static class BlockDevices
{
    public static string Resolve(string device, TimeSpan timeout)
    {
        if (ScsiAddress.Parse(device) is not var (target, lun))
        {
            return device;
        }
        long deadline = Clock.MonotonicMs() + (long)timeout.TotalMilliseconds;
        while (true)
        {
            foreach (string block in Directory.Exists("/sys/class/block") ? Directory.GetDirectories("/sys/class/block", "sd*") : [])
            {
                string name = Path.GetFileName(block);
                if (name.Any(char.IsDigit))
                {
                    continue; // a partition
                }
                string? hctl = new FileInfo(Path.Combine(block, "device")).LinkTarget;
                if (hctl is not null && ScsiAddress.Matches(Path.GetFileName(hctl), target, lun) && File.Exists("/dev/" + name))
                {
                    return "/dev/" + name;
                }
            }
            if (Clock.MonotonicMs() >= deadline)
            {
                throw new TetherException($"no disk at {device} (SCSI target {target}, lun {lun}) appeared");
            }
            Thread.Sleep(10);
        }
    }
}
