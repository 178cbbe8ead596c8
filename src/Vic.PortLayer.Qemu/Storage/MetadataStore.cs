using Vic.PortLayer;

namespace Vic.PortLayer.Qemu.Storage;

/// <summary>
/// <see cref="IMetadataStore"/> as one file per key under &lt;datastore&gt;/metadata/&lt;key&gt;. Segments may not
/// start with '.', which keeps the store's own temp files out of the key space. A key cannot also be the
/// prefix directory of another key ("a" and "a/b"): that is refused with Conflict.
/// </summary>
internal sealed class MetadataStore(string root) : IMetadataStore
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        string path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (UnauthorizedAccessException) when (Directory.Exists(path)) { return null; }
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        string path = PathOf(key);
        // Writers are serialized so that creating parent directories and pruning empty ones cannot race.
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (Directory.Exists(path))
                throw new ConflictException($"metadata key '{key}' is a prefix of other keys");
            string dir = Path.GetDirectoryName(path)!;
            for (string? d = dir; d is not null && d.Length > root.Length; d = Path.GetDirectoryName(d))
            {
                if (File.Exists(d))
                    throw new ConflictException($"metadata key '{key}' lies under the existing key '{Path.GetRelativePath(root, d)}'");
            }
            Directory.CreateDirectory(dir);
            await AtomicFile.WriteAsync(path, value, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        string path = PathOf(key);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(path))
                return;
            File.Delete(path);
            string dir = Path.GetDirectoryName(path)!;
            AtomicFile.FsyncDirectory(dir);
            // Prune directories the key's parents left empty, so listings and later puts see a clean tree.
            for (string? d = dir; d is not null && d.Length > root.Length; d = Path.GetDirectoryName(d))
            {
                if (Directory.EnumerateFileSystemEntries(d).Any())
                    break;
                Directory.Delete(d);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Every key that starts with <paramref name="prefix"/> as a string ("images/" lists a folder, "images/sha256:ab" a prefix).</summary>
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        if (prefix.Length > 0 && !prefix.All(IsKeyChar))
            throw new InvalidArgumentException($"invalid metadata key prefix '{prefix}'");
        // Walk only the deepest directory the prefix names whole.
        int slash = prefix.LastIndexOf('/');
        string startDir = slash < 0 ? root : Path.Combine(root, prefix[..slash]);
        var keys = new List<string>();
        if (Directory.Exists(startDir))
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
            foreach (string file in Directory.EnumerateFiles(startDir, "*", options))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string key = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
                if (key.Split('/').Any(s => s.StartsWith('.')))
                    continue;
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                    keys.Add(key);
            }
        }
        keys.Sort(StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyList<string>>(keys);
    }

    private string PathOf(string key)
    {
        ValidateKey(key);
        return Path.Combine(root, key);
    }

    internal static void ValidateKey(string key)
    {
        if (key.Length is 0 or > 1024)
            throw new InvalidArgumentException($"invalid metadata key '{key}': length must be 1..1024");
        foreach (string segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment.StartsWith('.') || !segment.All(IsKeyChar) || segment.Length > 255)
                throw new InvalidArgumentException(
                    $"invalid metadata key '{key}': segments are [a-z0-9._:-], non-empty, not starting with '.'");
        }
    }

    private static bool IsKeyChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-' or '/';
}
