using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// Finds virtio-serial ports by the name the hypervisor gave them. There is no udev: the name is in
/// /sys/class/virtio-ports/vportNpM/name and devtmpfs creates /dev/vportNpM.
/// </summary>
internal static class Ports
{
    private const string SysDir = "/sys/class/virtio-ports";

    /// <summary>The device path of port <paramref name="name"/>, or null when it has not appeared within <paramref name="timeout"/>.</summary>
    public static string? Find(string name, TimeSpan timeout)
    {
        long deadline = Clock.MonotonicMs() + (long)timeout.TotalMilliseconds;
        while (true)
        {
            string? device = TryFind(name);
            if (device is not null && File.Exists(device))
            {
                return device;
            }
            if (Clock.MonotonicMs() >= deadline)
            {
                return null;
            }
            // Probing the virtio devices finishes shortly after the modules load; poll briefly.
            Thread.Sleep(10);
        }
    }

    private static string? TryFind(string name)
    {
        if (!Directory.Exists(SysDir))
        {
            return null;
        }
        foreach (string dir in Directory.EnumerateDirectories(SysDir))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "name")).Trim() == name)
                {
                    return "/dev/" + Path.GetFileName(dir);
                }
            }
            catch (IOException)
            {
                // A port whose name is not published yet.
            }
        }
        return null;
    }

    /// <summary>Waits for a block device node (the root disk) to appear.</summary>
    public static bool WaitForDevice(string path, TimeSpan timeout)
    {
        long deadline = Clock.MonotonicMs() + (long)timeout.TotalMilliseconds;
        while (!File.Exists(path))
        {
            if (Clock.MonotonicMs() >= deadline)
            {
                return false;
            }
            Thread.Sleep(10);
        }
        return true;
    }
}
