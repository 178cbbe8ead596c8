using System.Formats.Tar;

namespace Vic.TestSupport;

/// <summary>
/// Writes layer tars with fixed times and ownership, so the same inputs always give the same diff ID.
/// Ustar entries: PAX headers would carry the current atime/ctime and break determinism.
/// </summary>
public sealed class LayerTarBuilder : IDisposable
{
    /// <summary>The modification time of every entry.</summary>
    public static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TarWriter _writer;

    public LayerTarBuilder(Stream output) => _writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);

    public LayerTarBuilder Directory(string path, UnixFileMode mode = Mode755, int uid = 0, int gid = 0) =>
        Add(new UstarTarEntry(TarEntryType.Directory, path.TrimEnd('/') + "/") { Mode = mode, Uid = uid, Gid = gid });

    public LayerTarBuilder File(string path, byte[] content, UnixFileMode mode = Mode644, int uid = 0, int gid = 0) =>
        Add(new UstarTarEntry(TarEntryType.RegularFile, path) { Mode = mode, Uid = uid, Gid = gid, DataStream = new MemoryStream(content) });

    public LayerTarBuilder File(string path, string content, UnixFileMode mode = Mode644, int uid = 0, int gid = 0) =>
        File(path, System.Text.Encoding.UTF8.GetBytes(content), mode, uid, gid);

    public LayerTarBuilder Symlink(string path, string target) =>
        Add(new UstarTarEntry(TarEntryType.SymbolicLink, path) { LinkName = target, Mode = Mode777 });

    public LayerTarBuilder HardLink(string path, string target) =>
        Add(new UstarTarEntry(TarEntryType.HardLink, path) { LinkName = target, Mode = Mode644 });

    /// <summary>An OCI whiteout: deletes <paramref name="path"/> of the layers below.</summary>
    public LayerTarBuilder Whiteout(string path)
    {
        int slash = path.LastIndexOf('/');
        string name = slash < 0 ? ".wh." + path : path[..(slash + 1)] + ".wh." + path[(slash + 1)..];
        return File(name, []);
    }

    public void Dispose() => _writer.Dispose();

    public const UnixFileMode Mode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    public const UnixFileMode Mode755 = Mode644 | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    public const UnixFileMode Mode700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode Mode777 = Mode755 | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    public const UnixFileMode Mode1777 = Mode777 | UnixFileMode.StickyBit;

    private LayerTarBuilder Add(UstarTarEntry entry)
    {
        entry.ModificationTime = Epoch;
        _writer.WriteEntry(entry);
        return this;
    }
}
