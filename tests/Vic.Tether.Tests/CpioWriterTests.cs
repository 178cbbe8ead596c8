using System.Diagnostics;
using System.Text;
using Vic.ContainerBase;

namespace Vic.Tether.Tests;

public sealed class CpioWriterTests
{
    private static byte[] SampleArchive()
    {
        using var stream = new MemoryStream();
        var writer = new CpioWriter(stream, mtimeUnixSeconds: 1577836800);
        writer.AddDirectory("bin");
        writer.AddFile("/bin/hello", Encoding.UTF8.GetBytes("hello!"), 0x1ED);
        writer.AddSymlink("bin/sh", "hello");
        writer.AddCharDevice("dev/console", 5, 1);
        writer.Finish();
        return stream.ToArray();
    }

    [Fact]
    public void EntriesParseBackWithNamesModesAndContent()
    {
        byte[] archive = SampleArchive();
        var entries = ParseNewc(archive);
        Assert.Equal(["bin", "bin/hello", "bin/sh", "dev/console", "TRAILER!!!"], entries.Select(e => e.Name));
        Assert.Equal(0x41EDu, entries[0].Mode);
        Assert.Equal(0x81EDu, entries[1].Mode);
        Assert.Equal("hello!", Encoding.UTF8.GetString(entries[1].Data));
        Assert.Equal(0xA1FFu, entries[2].Mode);
        Assert.Equal("hello", Encoding.UTF8.GetString(entries[2].Data));
        Assert.Equal((5u, 1u), (entries[3].RdevMajor, entries[3].RdevMinor));
        Assert.All(entries.SkipLast(1), e => Assert.Equal(1577836800u, e.Mtime));
        Assert.Equal(0, archive.Length % 4);
    }

    [Fact]
    public void SameInputGivesIdenticalBytes() => Assert.Equal(SampleArchive(), SampleArchive());

    [Fact]
    public void GnuCpioListsTheArchive()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vic-cpio-{Guid.NewGuid():N}.cpio");
        File.WriteAllBytes(path, SampleArchive());
        try
        {
            var psi = new ProcessStartInfo("sh", ["-c", $"cpio -it < '{path}'"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process cpio = Process.Start(psi)!;
            string listing = cpio.StandardOutput.ReadToEnd();
            cpio.WaitForExit();
            Assert.Equal(0, cpio.ExitCode);
            Assert.Equal(["bin", "bin/hello", "bin/sh", "dev/console"], listing.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/../../b")]
    [InlineData("")]
    public void RejectsNamesThatAreNotPlainRelativePaths(string name) =>
        Assert.Throws<ArgumentException>(() => CpioWriter.NormalizeName(name));

    private sealed record Entry(string Name, uint Mode, uint Mtime, uint RdevMajor, uint RdevMinor, byte[] Data);

    // An independent newc reader: 6-byte magic, 13 eight-digit hex fields, name, data, 4-byte alignment.
    private static List<Entry> ParseNewc(byte[] archive)
    {
        var entries = new List<Entry>();
        int offset = 0;
        while (true)
        {
            Assert.Equal("070701", Encoding.ASCII.GetString(archive, offset, 6));
            uint Field(int index) => Convert.ToUInt32(Encoding.ASCII.GetString(archive, offset + 6 + (index * 8), 8), 16);
            int nameSize = (int)Field(11);
            int fileSize = (int)Field(6);
            string name = Encoding.UTF8.GetString(archive, offset + 110, nameSize - 1);
            int dataStart = Align(offset + 110 + nameSize);
            entries.Add(new Entry(name, Field(1), Field(5), Field(9), Field(10), archive[dataStart..(dataStart + fileSize)]));
            offset = Align(dataStart + fileSize);
            if (name == "TRAILER!!!")
            {
                return entries;
            }
        }
    }

    private static int Align(int value) => (value + 3) & ~3;
}
