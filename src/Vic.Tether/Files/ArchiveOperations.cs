using System.Formats.Tar;
using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.Tether.Files;

/// <summary>
/// The work of one file session. Container paths are resolved inside <see cref="FileRoots.Root"/> with
/// <see cref="ScopedPath"/> (symlinks followed as if the root were "/"), so nothing outside the container is read
/// or written; tars are written and read here, in the guest (DESIGN rule 5).
/// </summary>
internal sealed class ArchiveOperations(FileRoots roots, ControlPort port, uint session, TransferDisk? transfer)
{
    private readonly DiskTree _root = new(roots.Root);
    private readonly Dictionary<long, string> _hardLinks = [];

    /// <summary>dockerd's stat: the parent resolved, the last segment not followed; a symlink reports where it leads.</summary>
    public void Stat(string path) => SendStat(StatOf(path, out _));

    /// <summary>A tar of the path named as docker cp expects: entries start with the requested base name (or "." for "/dir/.").</summary>
    public void Get(string path)
    {
        PathStat stat = StatOf(path, out string relative);
        SendStat(stat);
        (_, _, string entryBase) = ArchiveNames.Split(path);
        using Stream output = OpenOutput();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            WriteTree(writer, relative, entryBase, skipKernelFilesystems: roots.Running);
        }
        output.Flush();
    }

    /// <summary>Extracts the host's tar into the directory at the path (its last symlink followed too).</summary>
    public void Put(FileRequest request, FrameInputStream input)
    {
        string relative = string.Join('/', ScopedPath.Resolve(request.Path, followLast: true, ReadLink));
        FileMeta meta = _root.Lstat(relative)
            ?? throw new FileSessionException(FileErrorKind.NotFound, $"no such file or directory: {request.Path}");
        if (!meta.IsDirectory)
        {
            throw new FileSessionException(FileErrorKind.Invalid, "extraction point is not a directory");
        }
        new CopyExtractor(_root, relative, request.NoOverwriteDirNonDir, request.CopyUidGid).Extract(input);
    }

    /// <summary>The change list against the image's top layer, sorted by path, as JSON.</summary>
    public void Changes()
    {
        var lower = new DiskTree(RequireLower());
        var changes = TreeDiff.Walk(_root, lower, TreeDiff.IsManaged).OrderBy(c => c.Path, StringComparer.Ordinal).ToList();
        using Stream output = OpenOutput();
        JsonSerializer.Serialize(output, changes, ProtocolJson.Default.ListFileChange);
        output.Flush();
    }

    /// <summary>docker export: every entry of the root filesystem, named relative to it ("bin/sh").</summary>
    public void Export()
    {
        using Stream output = OpenOutput();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (string name in _root.List("").Order(StringComparer.Ordinal))
            {
                if (name != "lost+found")
                {
                    WriteTree(writer, name, name, skipKernelFilesystems: false);
                }
            }
        }
        output.Flush();
    }

    /// <summary>docker commit: the changes as a layer tar, deletions as OCI whiteouts (".wh.name").</summary>
    public void LayerDiff()
    {
        var lower = new DiskTree(RequireLower());
        using Stream output = OpenOutput();
        bool any = false;
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (FileChange change in TreeDiff.Walk(_root, lower, TreeDiff.IsManaged))
            {
                any = true;
                string relative = change.Path[1..];
                if (change.Kind == TreeDiff.Deleted)
                {
                    int slash = relative.LastIndexOf('/');
                    string whiteout = slash < 0 ? ".wh." + relative : $"{relative[..slash]}/.wh.{relative[(slash + 1)..]}";
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, whiteout) { ModificationTime = DateTimeOffset.UnixEpoch });
                }
                else
                {
                    WriteEntry(writer, relative, relative);
                }
            }
        }
        // TarWriter writes the end-of-archive blocks only after an entry: an unchanged container (docker commit of a
        // created one) must still yield a valid, empty layer tar, not zero bytes.
        if (!any)
            output.Write(new byte[2 * 512]);
        output.Flush();
    }

    /// <summary>Where the session's data goes: the transfer disk's slots when the host asked for them, else FileData frames.</summary>
    private Stream OpenOutput() => transfer is null ? new FrameOutputStream(port, session) : new SlotOutputStream(port, transfer, session);

    private string RequireLower() =>
        roots.Lower ?? throw new FileSessionException(FileErrorKind.Invalid, "the image's layer is not attached to this VM");

    private PathStat StatOf(string path, out string relative)
    {
        (string directory, string? last, _) = ArchiveNames.Split(path);
        var segments = ScopedPath.Resolve(directory, followLast: true, ReadLink);
        if (last is not null)
        {
            segments.Add(last);
        }
        relative = string.Join('/', segments);
        FileMeta meta = _root.Lstat(relative)
            ?? throw new FileSessionException(FileErrorKind.NotFound, $"no such file or directory: {path}");
        string linkTarget = "";
        if ((meta.Mode & FileOps.TypeMask) == FileOps.Symlink)
        {
            linkTarget = "/" + string.Join('/', ScopedPath.Resolve(relative, followLast: true, ReadLink));
        }
        return new PathStat
        {
            Name = ArchiveNames.StatName(path),
            Size = meta.Size,
            Mode = GoFileMode.FromUnix(meta.Mode),
            MtimeUnixNanos = meta.MtimeNanos,
            LinkTarget = linkTarget,
        };
    }

    private void SendStat(PathStat stat) =>
        port.Send(ControlFrameKind.FileStat, session, JsonSerializer.SerializeToUtf8Bytes(stat, ProtocolJson.Default.PathStat));

    private string? ReadLink(string relative) => FileOps.ReadLink(_root.Full(relative));

    /// <summary>The entry and, for a directory, everything below it (names sorted, so archives are reproducible).</summary>
    private void WriteTree(TarWriter writer, string relative, string entryName, bool skipKernelFilesystems)
    {
        if (!WriteEntry(writer, relative, entryName))
        {
            return;
        }
        // /proc, /sys and /dev of a running container are the kernel's, not the container's files.
        if (skipKernelFilesystems && relative is "proc" or "sys" or "dev")
        {
            return;
        }
        foreach (string name in _root.List(relative).Order(StringComparer.Ordinal))
        {
            WriteTree(writer, relative.Length == 0 ? name : $"{relative}/{name}", ArchiveNames.Entry(entryName, name), skipKernelFilesystems);
        }
    }

    /// <summary>
    /// Writes one entry from lstat; true when it is a directory to descend into. Built by hand rather than with
    /// TarWriter.WriteEntry(path): that looks owners' names up in /etc/passwd, which a Files VM does not have, and
    /// adds access and change times that would make identical trees give different layer digests. A second name of
    /// a hard-linked file becomes a link entry to the first. Sockets cannot be archived and are skipped, as by dockerd.
    /// </summary>
    private bool WriteEntry(TarWriter writer, string relative, string entryName)
    {
        if (_root.Lstat(relative) is not { } m)
        {
            return false;
        }
        string full = _root.Full(relative);
        uint type = m.Mode & FileOps.TypeMask;
        PaxTarEntry entry;
        Stream? data = null;
        switch (type)
        {
            case FileOps.Directory:
                entry = new PaxTarEntry(TarEntryType.Directory, entryName.EndsWith('/') ? entryName : entryName + "/");
                break;
            case FileOps.Regular when m.Links > 1 && _hardLinks.TryGetValue(m.Inode, out string? first):
                entry = new PaxTarEntry(TarEntryType.HardLink, entryName) { LinkName = first };
                break;
            case FileOps.Regular:
                if (m.Links > 1)
                {
                    _hardLinks[m.Inode] = entryName;
                }
                entry = new PaxTarEntry(TarEntryType.RegularFile, entryName);
                data = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                entry.DataStream = data;
                break;
            case FileOps.Symlink:
                entry = new PaxTarEntry(TarEntryType.SymbolicLink, entryName) { LinkName = m.LinkTarget ?? "" };
                break;
            case 0x2000 or 0x6000:
                entry = new PaxTarEntry(type == 0x2000 ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, entryName)
                {
                    DeviceMajor = (int)(((m.Rdev >> 8) & 0xFFF) | ((m.Rdev >> 32) & ~0xFFFUL)),
                    DeviceMinor = (int)((m.Rdev & 0xFF) | ((m.Rdev >> 12) & ~0xFFUL)),
                };
                break;
            case 0x1000:
                entry = new PaxTarEntry(TarEntryType.Fifo, entryName);
                break;
            default:
                return false;
        }
        entry.Mode = (UnixFileMode)(m.Mode & 0xFFF);
        entry.Uid = (int)m.Uid;
        entry.Gid = (int)m.Gid;
        entry.ModificationTime = DateTimeOffset.UnixEpoch.AddTicks(m.MtimeNanos / 100);
        try
        {
            writer.WriteEntry(entry);
        }
        finally
        {
            data?.Dispose();
        }
        return type == FileOps.Directory;
    }
}
