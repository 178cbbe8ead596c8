namespace Vic.Machine;

/// <summary>The contents (or absence) of a few small files and whether their directories existed, taken before a
/// change so that a failed create or configure can put everything back as it was.</summary>
internal sealed class FileSnapshot
{
    private readonly Dictionary<string, byte[]?> _files = new(StringComparer.Ordinal);
    private readonly List<string> _missingDirectories = [];

    public static FileSnapshot Take(IEnumerable<string> files)
    {
        var snapshot = new FileSnapshot();
        foreach (string file in files.Distinct(StringComparer.Ordinal))
        {
            snapshot._files[file] = File.Exists(file) ? File.ReadAllBytes(file) : null;
            // Every missing ancestor, deepest first, so that Restore removes the whole chain it made.
            for (string? dir = Path.GetDirectoryName(file); dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
            {
                if (!snapshot._missingDirectories.Contains(dir))
                    snapshot._missingDirectories.Add(dir);
            }
        }
        return snapshot;
    }

    public void Restore()
    {
        foreach (var (file, content) in _files)
        {
            if (content is null)
            {
                if (File.Exists(file))
                    File.Delete(file);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllBytes(file, content);
            }
        }
        foreach (string dir in _missingDirectories.OrderByDescending(d => d.Length))
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                Directory.Delete(dir);
        }
    }
}
