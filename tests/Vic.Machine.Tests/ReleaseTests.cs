namespace Vic.Machine.Tests;

/// <summary>Per-VCH release copies and the upgrade/rollback plan, on files in a temporary directory.</summary>
public sealed class ReleaseTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _daemon;
    private readonly string _base;
    private readonly VchRecord _vch;

    public ReleaseTests()
    {
        _daemon = MakeBuild("build1", "daemon v1");
        _base = _temp.File("base");
        Directory.CreateDirectory(_base);
        foreach (string name in new[] { "vmlinuz", "initramfs.cpio", "kernel-release", "container-base.iso" })
            File.WriteAllText(Path.Combine(_base, name), name);
        _vch = new VchRecord
        {
            Name = "v", Created = DateTimeOffset.UnixEpoch, Directory = _temp.File("root/v"), DatastorePath = _temp.File("root/v/datastore"),
            SocketPath = _temp.File("root/v/docker.sock"), ContainerBasePath = _base, DaemonPath = _daemon,
        };
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>A published daemon directory: the launcher, its .dll and a satellite directory.</summary>
    private string MakeBuild(string dir, string content)
    {
        string path = _temp.File(dir);
        Directory.CreateDirectory(Path.Combine(path, "de"));
        string launcher = Path.Combine(path, "vic-vch");
        File.WriteAllText(launcher, "#!/bin/sh\n");
        File.SetUnixFileMode(launcher, (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(path, "vic-vch.dll"), content);
        File.WriteAllText(Path.Combine(path, "de", "vic-vch.resources.dll"), "de");
        return launcher;
    }

    private VchRecord Installed(VchRecord vch, string daemon)
    {
        var release = Releases.Describe(vch, daemon, _base);
        Assert.True(Releases.Install(release, TextWriter.Null));
        return vch.WithRelease(release);
    }

    [Fact]
    public void The_stamp_follows_contents_not_paths()
    {
        string copy = MakeBuild("copy-of-1", "daemon v1");
        string other = MakeBuild("build2", "daemon v2");
        string stamp = Releases.Stamp(_daemon, _base, "1.0.0");
        Assert.Matches("^1\\.0\\.0-[0-9a-f]{12}$", stamp);
        Assert.Equal(stamp, Releases.Stamp(copy, _base, "1.0.0"));
        Assert.NotEqual(stamp, Releases.Stamp(other, _base, "1.0.0"));
        // The vSphere ISO is not part of a local release.
        File.WriteAllText(Path.Combine(_base, "container-base.iso"), "changed");
        Assert.Equal(stamp, Releases.Stamp(_daemon, _base, "1.0.0"));
    }

    [Fact]
    public void Install_copies_the_daemon_directory_and_the_boot_files_keeping_modes()
    {
        var vch = Installed(_vch, _daemon);
        string dir = Path.Combine(_vch.Directory, "releases", vch.ReleaseStamp!);
        Assert.Equal(Path.Combine(dir, "vch", "vic-vch"), vch.DaemonPath);
        Assert.Equal(Path.Combine(dir, "container-base"), vch.ContainerBasePath);
        Assert.Equal(_daemon, vch.DaemonSource);
        Assert.Equal("de", File.ReadAllText(Path.Combine(dir, "vch", "de", "vic-vch.resources.dll")));
        Assert.True(File.GetUnixFileMode(vch.DaemonPath).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal(["initramfs.cpio", "kernel-release", "vmlinuz"], Directory.GetFiles(vch.ContainerBasePath).Select(Path.GetFileName).Order());
        // The copy hashes to its stamp: a second install reuses it, a damaged one is copied again.
        Assert.False(Releases.Install(vch.Current, TextWriter.Null));
        File.WriteAllText(Path.Combine(dir, "vch", "vic-vch.dll"), "tampered");
        Assert.True(Releases.Install(vch.Current, TextWriter.Null));
        Assert.Equal("daemon v1", File.ReadAllText(Path.Combine(dir, "vch", "vic-vch.dll")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_vch.Directory, "releases"), ".tmp-*"));
    }

    [Fact]
    public void Upgrade_switches_keeps_the_previous_and_is_a_no_op_at_the_same_release_unless_forced()
    {
        var v1 = Installed(_vch, _daemon);
        Assert.Null(UpgradeCommand.Plan(v1, rollback: false, force: false, _daemon, _base));

        var forced = UpgradeCommand.Plan(v1, rollback: false, force: true, _daemon, _base)!;
        Assert.Equal(v1.ReleaseStamp, forced.After.ReleaseStamp);
        Assert.Null(forced.After.Previous);

        string daemon2 = MakeBuild("build2", "daemon v2");
        var up = UpgradeCommand.Plan(v1, rollback: false, force: false, daemon2, _base)!;
        Assert.True(up.Install);
        Assert.NotEqual(v1.ReleaseStamp, up.After.ReleaseStamp);
        Assert.Equal(v1.Current, up.After.Previous);
        Assert.Equal(daemon2, up.After.DaemonSource);

        // Rolling back swaps the two: the release rolled back from becomes the rollback copy.
        Releases.Install(up.After.Current, TextWriter.Null);
        var back = UpgradeCommand.Plan(up.After, rollback: true, force: false, daemon2, _base)!;
        Assert.False(back.Install);
        Assert.Equal(v1.ReleaseStamp, back.After.ReleaseStamp);
        Assert.Equal(v1.DaemonPath, back.After.DaemonPath);
        Assert.Equal(up.After.ReleaseStamp, back.After.Previous!.Stamp);
    }

    [Fact]
    public void Rollback_without_an_earlier_release_is_refused()
    {
        var error = Assert.Throws<MachineException>(() => UpgradeCommand.Plan(_vch, rollback: true, force: false, _daemon, _base));
        Assert.Equal(ExitCodes.Conflict, error.ExitCode);
        Assert.Contains("has no earlier release to roll back to", error.Message);
    }

    [Fact]
    public void A_vch_running_files_in_place_is_upgraded_to_a_copy_and_can_go_back_to_them()
    {
        var up = UpgradeCommand.Plan(_vch, rollback: false, force: false, _daemon, _base)!;
        Assert.True(up.Install);
        Assert.Null(up.After.Previous!.Stamp);
        Assert.Equal(_daemon, up.After.Previous.DaemonPath);
        Assert.Equal(_base, up.After.Previous.ContainerBasePath);
    }

    [Fact]
    public void Missing_build_files_are_refused_before_anything_is_copied()
    {
        var error = Assert.Throws<MachineException>(() => UpgradeCommand.Plan(_vch, rollback: false, force: false, _daemon, _temp.File("nothing")));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
        Assert.Contains("container base not found", error.Message);
        Assert.False(Directory.Exists(_vch.Directory));
    }

    [Fact]
    public void Prune_keeps_the_release_in_use_and_the_rollback_copy_only()
    {
        var v1 = Installed(_vch, _daemon);
        var v2 = Installed(v1, MakeBuild("build2", "daemon v2")) with { Previous = v1.Current };
        var v3 = Installed(v2, MakeBuild("build3", "daemon v3")) with { Previous = v2.Current };
        string root = Path.Combine(_vch.Directory, "releases");
        Directory.CreateDirectory(Path.Combine(root, ".tmp-leftover"));
        Releases.Prune(v3, TextWriter.Null);
        Assert.Equal(new[] { v2.ReleaseStamp, v3.ReleaseStamp }.Order(), Directory.GetDirectories(root).Select(Path.GetFileName).Order());
    }
}
