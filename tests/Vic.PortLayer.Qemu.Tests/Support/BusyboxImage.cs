using System.Formats.Tar;
using System.Text;

namespace Vic.PortLayer.Qemu.Tests.Support;

/// <summary>
/// A one-layer busybox userland as an uncompressed tar, built in memory: Debian's static /bin/busybox, a symlink
/// per applet, /etc/passwd and /etc/group.
/// </summary>
internal static class BusyboxImage
{
    private const string Busybox = "/bin/busybox";
    private static readonly string[] Applets =
    [
        "sh", "echo", "cat", "sleep", "true", "false", "ls", "id", "env", "printf", "head", "tail", "wc", "sync",
        "mkdir", "rm", "touch", "test", "[", "kill", "ps", "hostname", "uname", "yes", "dd", "grep",
    ];

    public static MemoryStream BuildTar()
    {
        if (!File.Exists(Busybox))
            throw new InvalidOperationException("integration tests need Debian's busybox-static at /bin/busybox");
        var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            AddDirectory(tar, "bin/", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            AddDirectory(tar, "etc/", (UnixFileMode)0b111_101_101);
            AddDirectory(tar, "root/", (UnixFileMode)0b111_000_000);
            AddDirectory(tar, "tmp/", (UnixFileMode)0b1_111_111_111);
            using (FileStream body = File.OpenRead(Busybox))
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox")
                {
                    DataStream = body,
                    Mode = (UnixFileMode)0b111_101_101,
                    ModificationTime = DateTimeOffset.UtcNow,
                });
            }
            foreach (string applet in Applets)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox", Mode = (UnixFileMode)0b111_111_111 });
            AddFile(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
            AddFile(tar, "etc/group", "root:x:0:\nnogroup:x:65534:\n");
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>A layer tar holding one regular file (and its parent directory).</summary>
    public static MemoryStream BuildFileTar(string path, string content)
    {
        var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            AddDirectory(tar, Path.GetDirectoryName(path)! + "/", (UnixFileMode)0b111_101_101);
            AddFile(tar, path, content);
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>A layer tar of files (path, content) under etc/; a content of null is an OCI whiteout of that path.</summary>
    public static MemoryStream BuildLayerTar(params (string Path, string? Content)[] files)
    {
        var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            AddDirectory(tar, "etc/", (UnixFileMode)0b111_101_101);
            foreach ((string path, string? content) in files)
            {
                if (content is null)
                    AddFile(tar, Path.GetDirectoryName(path) + "/.wh." + Path.GetFileName(path), "");
                else
                    AddFile(tar, path, content);
            }
        }
        stream.Position = 0;
        return stream;
    }

    private static void AddDirectory(TarWriter tar, string name, UnixFileMode mode) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode, ModificationTime = DateTimeOffset.UtcNow });

    private static void AddFile(TarWriter tar, string name, string content) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            Mode = (UnixFileMode)0b110_100_100,
            ModificationTime = DateTimeOffset.UtcNow,
        });
}
