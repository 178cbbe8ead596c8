using Vic.Tether.Protocol;

namespace Vic.Tether.Tests;

public sealed class ScopedPathTests
{
    // A container root: /etc/alt -> /etc (absolute), /up -> ../../.. (climbing), /d/self -> . , /loop -> /loop
    private static readonly Dictionary<string, string> Links = new()
    {
        ["etc/alt"] = "/etc",
        ["up"] = "../../..",
        ["d/self"] = ".",
        ["loop"] = "/loop",
        ["rel"] = "d/e",
    };

    private static string? ReadLink(string relative) => Links.GetValueOrDefault(relative);

    private static string Resolve(string path, bool followLast = true) => string.Join('/', ScopedPath.Resolve(path, followLast, ReadLink));

    [Theory]
    [InlineData("/etc/alt/passwd", "etc/passwd")]
    [InlineData("/up/etc/passwd", "etc/passwd")]
    [InlineData("/../../etc", "etc")]
    [InlineData("/d/self/self/x", "d/x")]
    [InlineData("/rel/f", "d/e/f")]
    [InlineData("/", "")]
    public void Symlinks_resolve_inside_the_root_and_never_above_it(string path, string expected) =>
        Assert.Equal(expected, Resolve(path));

    [Fact]
    public void The_last_segment_is_kept_when_not_followed() =>
        Assert.Equal("etc/alt", Resolve("/etc/alt", followLast: false));

    [Fact]
    public void A_link_loop_is_refused_not_followed_forever() =>
        Assert.Throws<IOException>(() => Resolve("/loop/x"));

    [Theory]
    [InlineData("/a/b/.", "/a/b/.")]
    [InlineData("a/b/", "/a/b/")]
    [InlineData("/a/../b", "/b")]
    [InlineData(".", "/.")]
    [InlineData("/", "/")]
    public void Cleaning_keeps_a_trailing_slash_or_dot(string path, string expected) =>
        Assert.Equal(expected, ScopedPath.CleanKeepingTrailer(path));
}

public sealed class ArchiveNamesTests
{
    [Theory]
    [InlineData("/etc/passwd", "/etc", "passwd", "passwd")]
    [InlineData("/etc/", "/", "etc", "etc")]
    [InlineData("/etc/.", "/etc", null, ".")]
    [InlineData("/top", "/", "top", "top")]
    [InlineData("/", "/", null, ".")]
    public void Entries_take_the_requested_base_name(string path, string directory, string? last, string entryBase) =>
        Assert.Equal((directory, last, entryBase), ArchiveNames.Split(path));

    [Theory]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("/etc/.", ".")]
    [InlineData("/", "/")]
    [InlineData("/var/log/", "log")]
    public void Stat_names_are_dockerds(string path, string name) => Assert.Equal(name, ArchiveNames.StatName(path));

    [Fact]
    public void Children_are_named_below_the_base() =>
        Assert.Equal(("dir", "dir/a/b", "./x"), (ArchiveNames.Entry("dir", ""), ArchiveNames.Entry("dir", "a/b"), ArchiveNames.Entry(".", "x")));
}

public sealed class GoFileModeTests
{
    [Theory]
    [InlineData(0x41ED, 0x800001EDu)] // directory 0755
    [InlineData(0x81A4, 0x1A4u)] // regular 0644
    [InlineData(0xA1FF, 0x080001FFu)] // symlink 0777
    [InlineData(0x89ED, 0x008001EDu)] // setuid 04755
    [InlineData(0x43FF, 0x801001FFu)] // sticky directory 01777 (/tmp)
    [InlineData(0x21B6, 0x042001B6u)] // character device 0666
    [InlineData(0x11A4, 0x020001A4u)] // fifo
    public void Converts_unix_modes_to_gos_file_mode(uint unix, uint go) => Assert.Equal(go, GoFileMode.FromUnix(unix));
}

public sealed class TreeDiffTests
{
    private const uint Dir = 0x41ED, File = 0x81A4, Link = 0xA1FF;

    private sealed class Tree : IFileTree
    {
        public Dictionary<string, FileMeta> Entries { get; } = new() { [""] = new FileMeta(Dir, 0, 0, 4096, 2, 1, 1, null) };

        public Tree Add(string path, uint mode, long inode, long time = 100, long size = 0, string? link = null)
        {
            Entries[path] = new FileMeta(mode, 0, 0, size, inode, time, time, link);
            return this;
        }

        public Tree Copy()
        {
            var copy = new Tree();
            foreach (var (k, v) in Entries)
                copy.Entries[k] = v;
            return copy;
        }

        public FileMeta? Lstat(string relative) => Entries.TryGetValue(relative, out var m) ? m : null;

        public IReadOnlyList<string> List(string relative) =>
            Entries.Keys.Where(k => k.Length > 0 && TarPath.Parent(k) == relative).Select(TarPath.BaseName).ToList();
    }

    private static Tree Image() => new Tree()
        .Add("bin", Dir, 10).Add("bin/sh", File, 11, size: 100)
        .Add("etc", Dir, 20).Add("etc/passwd", File, 21, size: 50).Add("etc/hosts", File, 22)
        .Add("tmp", Dir, 30).Add("var", Dir, 40).Add("var/lib", Dir, 41).Add("var/lib/x", File, 42)
        .Add("lost+found", Dir, 11);

    private static List<(string, int)> Diff(Tree upper, Tree lower) =>
        TreeDiff.Walk(upper, lower, TreeDiff.IsManaged).Select(c => (c.Path, c.Kind)).ToList();

    [Fact]
    public void An_untouched_container_has_no_changes() => Assert.Empty(Diff(Image().Copy(), Image()));

    [Fact]
    public void The_changes_size_counts_added_and_modified_files_once_and_nothing_for_directories_or_deletions()
    {
        Tree upper = Image().Copy()
            .Add("tmp/big", File, 70, time: 200, size: 5_242_880)
            .Add("tmp/hardlink", File, 70, time: 200, size: 5_242_880) // the same inode: counted once
            .Add("tmp/dir", Dir, 71, time: 200, size: 4096)
            .Add("tmp/link", Link, 72, time: 200, size: 8, link: "/tmp/big")
            .Add("etc/passwd", File, 21, time: 300, size: 60) // modified: counted whole, as overlay copies it up
            .Add("etc/hosts", File, 22, time: 300, size: 999); // managed by the VCH: not the container's change
        upper.Entries.Remove("bin/sh");
        Assert.Equal(5_242_880 + 8 + 60, TreeDiff.ChangesSize(upper, Image(), TreeDiff.IsManaged));
        Assert.Equal(0, TreeDiff.ChangesSize(Image().Copy(), Image(), TreeDiff.IsManaged));
    }

    [Fact]
    public void Adds_modifications_and_deletions_are_reported_as_dockerd_reports_them()
    {
        Tree upper = Image().Copy()
            .Add("tmp", Dir, 30, time: 200).Add("tmp/new", Dir, 50, time: 200).Add("tmp/new/f", File, 51, time: 200)
            .Add("etc/passwd", File, 21, time: 300, size: 60);
        upper.Entries.Remove("var/lib");
        upper.Entries.Remove("var/lib/x");
        upper.Add("var", Dir, 40, time: 400);
        Assert.Equal(
            [("/etc/passwd", 0), ("/tmp", 0), ("/tmp/new", 1), ("/tmp/new/f", 1), ("/var", 0), ("/var/lib", 2)],
            Diff(upper, Image()));
    }

    [Fact]
    public void A_file_replaced_by_a_directory_is_modified_and_its_content_added()
    {
        Tree upper = Image().Copy();
        upper.Entries.Remove("bin/sh");
        upper.Add("bin/sh", Dir, 60).Add("bin/sh/x", File, 61);
        Assert.Equal([("/bin/sh", 0), ("/bin/sh/x", 1)], Diff(upper, Image()));
    }

    [Fact]
    public void A_rewritten_file_with_the_same_times_is_still_seen_by_its_inode_or_link_target()
    {
        Tree upper = Image().Copy().Add("etc/passwd", File, 99, size: 50).Add("bin/link", Link, 70, link: "sh");
        Tree lower = Image().Add("bin/link", Link, 70, link: "busybox");
        Assert.Equal([("/bin/link", 0), ("/etc/passwd", 0)], Diff(upper, lower));
    }

    [Fact]
    public void Files_the_vch_manages_never_show()
    {
        Tree upper = Image().Copy().Add("etc/hosts", File, 80, time: 500).Add("etc/hostname", File, 81).Add("etc/resolv.conf", File, 82);
        upper.Entries.Remove("lost+found");
        Assert.Empty(Diff(upper, Image()));
    }
}
