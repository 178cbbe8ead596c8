using Microsoft.Extensions.Logging;

namespace Vic.ImageC.Store;

/// <summary>A private directory under the datastore's temp area for one operation; removed with everything in it on dispose.</summary>
internal sealed class TempWorkspace : IDisposable
{
    private readonly ILogger _logger;
    private int _counter;

    public TempWorkspace(string tempRoot, ILogger logger)
    {
        _logger = logger;
        Directory = System.IO.Directory.CreateDirectory(Path.Combine(tempRoot, Guid.NewGuid().ToString("N"))).FullName;
    }

    public string Directory { get; }

    /// <summary>A fresh file path inside the workspace; names never come from untrusted input.</summary>
    public string NewFile(string kind) => Path.Combine(Directory, $"{Interlocked.Increment(ref _counter)}.{kind}");

    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.TempCleanupFailed(_logger, Directory, e.Message);
        }
    }
}
