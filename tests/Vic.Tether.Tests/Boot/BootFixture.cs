namespace Vic.Tether.Tests.Boot;

/// <summary>One busybox base disk shared by the boot tests; each test boots a qcow2 child of it.</summary>
public sealed class BootFixture : IDisposable
{
    public BootFixture()
    {
        WorkDir = Directory.CreateTempSubdirectory("vic-tether-boot-").FullName;
        BaseDisk = Disks.BuildBusyboxRoot(WorkDir, "base", root =>
        {
            // Content the layer test whites out and makes opaque.
            Directory.CreateDirectory(Path.Combine(root, "data", "opq", "sub"));
            File.WriteAllText(Path.Combine(root, "data", "gone.txt"), "lower\n");
            File.WriteAllText(Path.Combine(root, "data", "kept.txt"), "lower\n");
            File.WriteAllText(Path.Combine(root, "data", "opq", "old.txt"), "lower\n");
            File.WriteAllText(Path.Combine(root, "data", "opq", "sub", "old2.txt"), "lower\n");
            Directory.CreateDirectory(Path.Combine(root, "data", "olddir", "inner"));
            File.WriteAllText(Path.Combine(root, "data", "olddir", "inner", "f"), "lower\n");
            // Name lookups as a typical image does them (the network test checks which resolv.conf wins).
            File.WriteAllText(Path.Combine(root, "etc", "nsswitch.conf"), "hosts: files dns\n");
            File.WriteAllText(Path.Combine(root, "etc", "resolv.conf"), ImageResolvConf);
        });
    }

    /// <summary>The base image's own /etc/resolv.conf, left alone when a spec has no DNS settings.</summary>
    public const string ImageResolvConf = "# from the image\nnameserver 192.0.2.53\n";

    public string WorkDir { get; }
    public string BaseDisk { get; }

    private int _counter;

    /// <summary>A fresh directory and a child disk of the base for one VM run.</summary>
    public (string Dir, string Disk) NewRun()
    {
        string dir = Path.Combine(WorkDir, $"run{Interlocked.Increment(ref _counter)}");
        Directory.CreateDirectory(dir);
        return (dir, Disks.Child(BaseDisk, Path.Combine(dir, "disk.qcow2")));
    }

    public void Dispose() => Directory.Delete(WorkDir, recursive: true);
}

/// <summary>VM boots run one at a time: the host has two cores and TCG is CPU bound.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BootCollection : ICollectionFixture<BootFixture>
{
    public const string Name = "qemu boots";
}
