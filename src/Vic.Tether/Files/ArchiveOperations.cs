using System.Formats.Tar;
using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.Tether.Files;

/// <summary>
/// The work of one file session. Container paths are resolved inside <see cref="FileRoots.Root"/> with
/// <see cref="ScopedPath"/> (symlinks followed as if the root were "/"), so nothing outside the container is read
/// or written; tars are written and read here, in the guest (DESIGN rule 5).
/// </summary>
internal sealed class ArchiveOperations(FileRoots roots, ControlPort port, uint session)
{
    private readonly DiskTree _root = new(roots.Root);

    /// <summary>dockerd's stat: the parent resolved, the last segment not followed; a symlink reports where it leads.</summary>
    public void Stat(string path) => SendStat(StatOf(path, out _));

    /// <summary>A tar of the path named as docker cp expects: entries start with the requested base name (or "." for "/dir/.").</summary>
    public void Get(string path)
    {
        PathStat stat = StatOf(path, out string relative);
        SendStat(stat);
        (_, _, string entryBase) = ArchiveNames.Split(path);
        using var output = new FrameOutputStream(port, session);
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
        using var output = new FrameOutputStream(port, session);
        JsonSerializer.Serialize(output, changes, ProtocolJson.Default.ListFileChange);
        output.Flush();
    }

    /// <summary>docker export: every entry of the root filesystem, named relative to it ("bin/sh").</summary>
    public void Export()
    {
        using var output = new FrameOutputStream(port, session);
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
        using var output = new FrameOutputStream(port, session);
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (FileChange change in TreeDiff.Walk(_root, lower, TreeDiff.IsManaged))
            {
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
        output.Flush();
    }

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

    /// <summary>Writes one entry; true when it is a directory to descend into. Sockets cannot be archived and are skipped, as by dockerd.</summary>
    private bool WriteEntry(TarWriter writer, string relative, string entryName)
    {
        FileMeta? meta = _root.Lstat(relative);
        if (meta is not { } m || (m.Mode & FileOps.TypeMask) == FileOps.Socket)
        {
            return false;
        }
        bool directory = m.IsDirectory;
        string name = directory && !entryName.EndsWith('/') ? entryName + "/" : entryName;
        writer.WriteEntry(_root.Full(relative), name);
        return directory;
    }
}
