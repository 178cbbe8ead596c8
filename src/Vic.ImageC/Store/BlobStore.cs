using Vic.ImageC.Digests;

namespace Vic.ImageC.Store;

/// <summary>
/// Layer blobs kept as pulled or loaded (compressed or not), under &lt;data&gt;/blobs/sha256/&lt;hex&gt;, so save (and push,
/// later) can produce layers again. These are opaque files: nothing here ever unpacks them.
/// Also owns &lt;data&gt;/tmp, where pulls and loads buffer their downloads.
/// </summary>
internal sealed class BlobStore
{
    private readonly string _blobs;

    public BlobStore(string dataDirectory)
    {
        _blobs = Path.Combine(dataDirectory, "blobs", "sha256");
        TempRoot = Path.Combine(dataDirectory, "tmp");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(TempRoot);
    }

    public string TempRoot { get; }

    public string PathOf(string digest) => Path.Combine(_blobs, Digest.Hex(digest));

    public bool Exists(string digest) => File.Exists(PathOf(digest));

    /// <summary>Moves a verified temp file into the store; a blob already there is kept (same digest, same bytes).</summary>
    public void Adopt(string tempPath, string digest)
    {
        string target = PathOf(digest);
        if (File.Exists(target))
        {
            return;
        }
        try
        {
            File.Move(tempPath, target);
        }
        catch (IOException) when (File.Exists(target))
        {
            // Another operation adopted the same blob first.
        }
    }

    public void Delete(string digest) => File.Delete(PathOf(digest));
}
