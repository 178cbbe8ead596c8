using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Tests.Support;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Tests.Unit;

public sealed class VirtiofsdPidFileTests
{
    [Fact]
    public void Removing_a_container_forgets_the_pid_files_of_its_shares_only()
    {
        using var dir = new TempDirectory();
        string removed = new('a', 64), kept = new('b', 64);
        string[] names = [VmMounts.ShareSocket(removed, 0) + ".pid", VmMounts.ShareSocket(removed, 1) + ".pid", VmMounts.ShareSocket(kept, 0) + ".pid"];
        foreach (string name in names)
            File.WriteAllText(Path.Combine(dir.Path, name), "1\n");

        Virtiofsd.ForgetPidFiles(removed, dir.Path);

        Assert.Equal([names[2]], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Virtiofsd.ForgetPidFiles(removed, Path.Combine(dir.Path, "missing")); // no directory: nothing to do
    }
}
