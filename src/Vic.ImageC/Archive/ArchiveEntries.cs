using System.Formats.Tar;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Archive;

/// <summary>
/// The files of an outer image archive (docker save / OCI layout), each copied whole into the workspace under a
/// generated name. Entry names are only lookup keys, never host paths, and layer tars inside stay opaque blobs.
/// Symbolic and hard links between entries (newer docker save links layer.tar to blobs/) are followed.
/// </summary>
internal sealed class ArchiveEntries
{
    private const int MaxEntries = 100_000;
    private const int MaxLinkHops = 16;

    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);

    public static async Task<ArchiveEntries> ReadAsync(Stream archive, TempWorkspace work, CancellationToken cancellationToken)
    {
        var entries = new ArchiveEntries();
        int count = 0;
        try
        {
            await using var reader = new TarReader(archive, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                if (++count > MaxEntries)
                {
                    throw new InvalidArgumentException($"invalid archive: more than {MaxEntries} entries");
                }
                await entries.AddAsync(entry, work, cancellationToken);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidArgumentException($"invalid archive: {e.Message}");
        }
        return entries;
    }

    public bool Contains(string name) => PathOf(name) is not null;

    /// <summary>The workspace file holding entry <paramref name="name"/>, following links; null when absent.</summary>
    public string? PathOf(string name)
    {
        string? key = Normalize(name);
        for (int hop = 0; key is not null && hop < MaxLinkHops; hop++)
        {
            if (_files.TryGetValue(key, out var path))
            {
                return path;
            }
            key = _links.GetValueOrDefault(key);
        }
        return null;
    }

    public async Task<byte[]> ReadAllAsync(string name, long maxBytes, CancellationToken cancellationToken)
    {
        string path = PathOf(name) ?? throw new InvalidArgumentException($"invalid archive: {name} is missing");
        if (new FileInfo(path).Length > maxBytes)
        {
            throw new InvalidArgumentException($"invalid archive: {name} is larger than {maxBytes} bytes");
        }
        return await File.ReadAllBytesAsync(path, cancellationToken);
    }

    private async Task AddAsync(TarEntry entry, TempWorkspace work, CancellationToken cancellationToken)
    {
        if (Normalize(entry.Name) is not { } name)
        {
            return;
        }
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                string path = work.NewFile("entry");
                await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                {
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(file, cancellationToken);
                    }
                }
                _files[name] = path;
                break;
            case TarEntryType.SymbolicLink:
                int slash = name.LastIndexOf('/');
                string target = entry.LinkName.StartsWith('/') ? entry.LinkName : (slash < 0 ? "" : name[..(slash + 1)]) + entry.LinkName;
                if (Normalize(target) is { } symbolic)
                {
                    _links[name] = symbolic;
                }
                break;
            case TarEntryType.HardLink:
                if (Normalize(entry.LinkName) is { } hard)
                {
                    _links[name] = hard;
                }
                break;
        }
    }

    /// <summary>"./a//b/../c" → "a/c"; null for names that climb out of the archive or name nothing.</summary>
    internal static string? Normalize(string name)
    {
        var parts = new List<string>();
        foreach (string part in name.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return parts.Count == 0 ? null : string.Join('/', parts);
    }
}
