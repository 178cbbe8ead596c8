using System.Formats.Tar;
using System.IO.Compression;

namespace Vic.Admin.Bundle;

/// <summary>Writes bundle entries as a .zip or a .tar.gz under one top directory. Both are written to a temporary
/// file first: ZipArchive writes synchronously, which Kestrel forbids on a response, and the download then has a length.</summary>
internal static class BundleArchive
{
    public static async Task WriteZipAsync(IAsyncEnumerable<BundleEntry> entries, string root, Stream output, DateTimeOffset at, CancellationToken cancellationToken)
    {
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            var item = zip.CreateEntry(root + "/" + entry.Name, CompressionLevel.Optimal);
            item.LastWriteTime = at;
            await using var stream = item.Open();
            await stream.WriteAsync(entry.Content, cancellationToken);
        }
    }

    public static async Task WriteTarGzAsync(IAsyncEnumerable<BundleEntry> entries, string root, Stream output, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            var item = new PaxTarEntry(TarEntryType.RegularFile, root + "/" + entry.Name)
            {
                ModificationTime = at,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
                DataStream = new MemoryStream(entry.Content, writable: false),
            };
            await tar.WriteEntryAsync(item, cancellationToken);
        }
    }
}
