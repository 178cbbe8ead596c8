namespace Vic.Admin;

/// <summary>
/// Space of the datastore: the apparent size of its files (what the VCH's storage quota counts; sparse disks count in
/// full) and the free and used bytes of the filesystem it lives on.
/// </summary>
internal sealed record DatastoreUsage(long DatastoreBytes, long FilesystemTotalBytes, long FilesystemFreeBytes)
{
    public long FilesystemUsedBytes => FilesystemTotalBytes - FilesystemFreeBytes;

    public static DatastoreUsage Measure(string path)
    {
        if (!Directory.Exists(path))
            return new DatastoreUsage(0, 0, 0);
        long files = 0;
        var walk = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", walk))
        {
            try
            {
                files += file.Length;
            }
            catch (IOException)
            {
                // A file removed while walking (a container deleted meanwhile) simply no longer counts.
            }
        }
        var drive = new DriveInfo(path);
        return new DatastoreUsage(files, drive.TotalSize, drive.AvailableFreeSpace);
    }
}
