using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using Vic.Tether.Protocol;

namespace Vic.Tether.Tests.Boot;

[Collection(BootCollection.Name)]
public sealed class ApplyLayerBootTests(BootFixture fixture)
{
    private static readonly DateTimeOffset FileTime = DateTimeOffset.FromUnixTimeSeconds(1500000000);
    private static readonly DateTimeOffset DirTime = DateTimeOffset.FromUnixTimeSeconds(1600000000);
    private static readonly string LongDir = "long/" + new string('a', 120);

    [Fact]
    public async Task LayerTarIsAppliedWithDockerSemantics()
    {
        (string dir, string disk) = fixture.NewRun();
        string tarPath = Path.Combine(dir, "layer.tar");
        long tarLength = WriteLayer(tarPath);
        // The backend hands the tar over as a raw disk padded to whole sectors; TarLength says where it ends.
        using (var tar = File.OpenWrite(tarPath))
        {
            tar.SetLength((tarLength + 4095) / 4096 * 4096 + 4096);
        }

        var spec = new VmSpec
        {
            Mode = VmMode.ApplyLayer,
            Id = "layer-test",
            Layer = new LayerApplySpec { TarLength = tarLength },
        };
        VmResult run = await TestVm.RunAsync(dir, spec, disk, tarDisk: tarPath);
        Assert.Equal(0, run.Exit.ExitCode);
        Assert.Null(run.Exit.Error);

        string image = Path.Combine(dir, "result.img");
        Disks.Run("qemu-img", "convert", "-O", "raw", disk, image);
        var fs = new DebugFs(image);

        string dirStat = fs.Stat("/newdir");
        Assert.Contains("Type: directory", dirStat);
        Assert.Contains("Mode:  0750", dirStat);
        Assert.Contains("User:  1000   Group:  1000", dirStat);
        Assert.Contains($"mtime: 0x{DirTime.ToUnixTimeSeconds():x8}", dirStat);

        string fileStat = fs.Stat("/newdir/file.txt");
        Assert.Contains("Type: regular", fileStat);
        Assert.Contains("Mode:  0640", fileStat);
        Assert.Contains("User:  1000   Group:    50", fileStat);
        Assert.Contains("Links: 2", fileStat);
        Assert.Contains($"mtime: 0x{FileTime.ToUnixTimeSeconds():x8}", fileStat);
        Assert.Equal("hello layer\n", fs.Run("cat /newdir/hard"));

        string linkStat = fs.Stat("/newdir/link");
        Assert.Contains("Type: symlink", linkStat);
        Assert.Contains("Fast link dest: \"file.txt\"", linkStat);

        Assert.Contains("Mode:  04755", fs.Stat("/bin/suid"));
        string device = fs.Stat("/dev2/null2");
        Assert.Contains("Type: character special", device);
        Assert.Contains("Mode:  0666", device);
        Assert.Contains("Device major/minor number: 01:03", device);
        Assert.Contains("Type: FIFO", fs.Stat("/newdir/fifo"));
        Assert.Contains("Type: regular", fs.Stat($"/{LongDir}/{new string('b', 120)}"));

        // Whiteouts remove lower files and whole trees; untouched siblings stay.
        Assert.False(fs.Exists("/data/gone.txt"));
        Assert.False(fs.Exists("/data/olddir"));
        Assert.True(fs.Exists("/data/kept.txt"));
        Assert.Contains("Links: 2", fs.Stat("/data/kept.txt"));
        string dataStat = fs.Stat("/data");
        Assert.Contains("Mode:  0700", dataStat);
        Assert.Contains("User:  1000   Group:  1000", dataStat);
        // The opaque directory lost its lower content but kept what this layer added.
        Assert.Equal(["new.txt"], fs.List("/data/opq"));
        // Lower content elsewhere is untouched.
        Assert.True(fs.Exists("/bin/busybox"));
    }

    private static long WriteLayer(string path)
    {
        using var stream = File.Create(path);
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Add(TarEntryType type, string name, UnixFileMode mode, DateTimeOffset time, string? content = null, string? link = null,
                int uid = 0, int gid = 0, Action<PaxTarEntry>? extra = null)
            {
                var entry = new PaxTarEntry(type, name) { Mode = mode, ModificationTime = time, Uid = uid, Gid = gid };
                if (link is not null)
                {
                    entry.LinkName = link;
                }
                if (content is not null)
                {
                    entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
                }
                extra?.Invoke(entry);
                writer.WriteEntry(entry);
            }
            const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            const UnixFileMode Rwx = Rw | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

            Add(TarEntryType.Directory, "newdir/", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, DirTime, uid: 1000, gid: 1000);
            Add(TarEntryType.RegularFile, "newdir/file.txt", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, FileTime, "hello layer\n", uid: 1000, gid: 50);
            Add(TarEntryType.SymbolicLink, "newdir/link", Rwx, FileTime, link: "file.txt");
            Add(TarEntryType.HardLink, "newdir/hard", Rw, FileTime, link: "newdir/file.txt");
            Add(TarEntryType.Fifo, "newdir/fifo", Rw, FileTime);
            Add(TarEntryType.HardLink, "newdir/hard2", Rw, FileTime, link: "data/kept.txt");
            // An existing directory keeps its children but takes the entry's mode and owner.
            Add(TarEntryType.Directory, "data/", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, DirTime, uid: 1000, gid: 1000);
            Add(TarEntryType.RegularFile, "data/.wh.gone.txt", Rw, FileTime, "");
            Add(TarEntryType.RegularFile, "data/.wh.olddir", Rw, FileTime, "");
            Add(TarEntryType.Directory, "data/opq/", Rwx, DirTime);
            Add(TarEntryType.RegularFile, "data/opq/.wh..wh..opq", Rw, FileTime, "");
            Add(TarEntryType.RegularFile, "data/opq/new.txt", Rw, FileTime, "new\n");
            Add(TarEntryType.RegularFile, "bin/suid", Rwx | UnixFileMode.SetUser, FileTime, "#!/bin/sh\n");
            Add(TarEntryType.CharacterDevice, "dev2/null2", Rw | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite, FileTime,
                extra: e => { e.DeviceMajor = 1; e.DeviceMinor = 3; });
            Add(TarEntryType.RegularFile, $"{LongDir}/{new string('b', 120)}", Rw, FileTime, "long\n");
        }
        return stream.Length;
    }

    /// <summary>Read-only inspection of our own disk image with debugfs.</summary>
    private sealed class DebugFs(string image)
    {
        public string Run(string request)
        {
            var psi = new ProcessStartInfo("debugfs", ["-R", request, image]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process process = Process.Start(psi)!;
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return stdout + stderr.Result.Replace("debugfs 1.47.0 (5-Feb-2023)\n", "", StringComparison.Ordinal);
        }

        public string Stat(string path)
        {
            string output = Run($"stat {path}");
            Assert.DoesNotContain("not found", output);
            return output;
        }

        public bool Exists(string path) => !Run($"stat {path}").Contains("File not found", StringComparison.Ordinal);

        public List<string> List(string path) =>
            Run($"ls -p {path}").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('/'))
                .Where(fields => fields.Length > 5 && fields[5] is not ("." or ".." or ""))
                .Select(fields => fields[5]).ToList();
    }
}
