using System.Text;

namespace Vic.ContainerBase;

/// <summary>
/// Writes an uncompressed "newc" (SVR4, no CRC) cpio archive, the format the kernel unpacks as an initramfs.
/// Entries are written in the order given; callers sort them so output is deterministic. Inode numbers are
/// assigned sequentially and every entry gets the same mtime, so equal inputs give byte-identical archives.
/// </summary>
internal sealed class CpioWriter(Stream output, long mtimeUnixSeconds = 0)
{
    private const string Magic = "070701";
    private const int HeaderLength = 110;

    private readonly Stream _output = output;
    private readonly long _mtime = mtimeUnixSeconds;
    private uint _nextInode = 1;
    private bool _finished;

    // Mode type bits from <sys/stat.h>; the archive carries the full st_mode.
    public const uint TypeDirectory = 0x4000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeSymlink = 0xA000;
    public const uint TypeCharDevice = 0x2000;

    public void AddDirectory(string path, uint permissions = 0x1ED /* 0755 */) =>
        WriteEntry(path, TypeDirectory | permissions, nlink: 2, [], 0, 0);

    public void AddFile(string path, ReadOnlySpan<byte> content, uint permissions = 0x1A4 /* 0644 */) =>
        WriteEntry(path, TypeRegular | permissions, nlink: 1, content, 0, 0);

    public void AddSymlink(string path, string target) =>
        WriteEntry(path, TypeSymlink | 0x1FF, nlink: 1, Encoding.UTF8.GetBytes(target), 0, 0);

    public void AddCharDevice(string path, uint major, uint minor, uint permissions = 0x180 /* 0600 */) =>
        WriteEntry(path, TypeCharDevice | permissions, nlink: 1, [], major, minor);

    /// <summary>Writes the TRAILER!!! entry that ends the archive. No entries may follow.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }
        WriteRaw("TRAILER!!!", 0, 0, 0, [], 0, 0);
        _finished = true;
    }

    private void WriteEntry(string path, uint mode, uint nlink, ReadOnlySpan<byte> content, uint rdevMajor, uint rdevMinor)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        string name = NormalizeName(path);
        WriteRaw(name, _nextInode++, mode, nlink, content, rdevMajor, rdevMinor);
    }

    // The kernel wants names relative to the archive root, without a leading "/" or "./".
    internal static string NormalizeName(string path)
    {
        string name = path.TrimStart('/');
        if (name.StartsWith("./", StringComparison.Ordinal))
        {
            name = name[2..];
        }
        if (name.Length == 0 || name.Contains('\0') || name.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new ArgumentException($"invalid archive path '{path}'", nameof(path));
        }
        return name;
    }

    private void WriteRaw(string name, uint inode, uint mode, uint nlink, ReadOnlySpan<byte> content, uint rdevMajor, uint rdevMinor)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        var header = new StringBuilder(HeaderLength);
        header.Append(Magic);
        foreach (uint field in (ReadOnlySpan<uint>)[
            inode, mode, 0 /* uid */, 0 /* gid */, nlink, (uint)_mtime, (uint)content.Length,
            0 /* devmajor */, 0 /* devminor */, rdevMajor, rdevMinor, (uint)nameBytes.Length + 1, 0 /* check */])
        {
            header.Append(field.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        }
        _output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        _output.Write(nameBytes);
        _output.WriteByte(0);
        Pad(HeaderLength + nameBytes.Length + 1);
        _output.Write(content);
        Pad(content.Length);
    }

    // newc aligns both the name (counted from the header start) and the data to 4 bytes.
    private void Pad(int length)
    {
        int padding = (4 - (length % 4)) % 4;
        for (int i = 0; i < padding; i++)
        {
            _output.WriteByte(0);
        }
    }
}
