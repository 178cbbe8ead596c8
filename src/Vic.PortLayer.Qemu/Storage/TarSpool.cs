namespace Vic.PortLayer.Qemu.Storage;

/// <summary>
/// Copies a layer tar to a file the ApplyLayer VM sees as a raw block device. Block devices come in 512-byte
/// sectors, so the file is zero-padded; the tether is told the exact length and ignores the padding.
/// The bytes are not interpreted on the host (DESIGN rule 5).
/// </summary>
internal static class TarSpool
{
    public static async Task<long> CopyAsync(Stream tar, string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await tar.CopyToAsync(file, 1 << 20, cancellationToken);
        long length = file.Length;
        long padded = (length + 511) / 512 * 512;
        // An empty tar still needs one sector: a zero-length disk cannot be attached.
        file.SetLength(Math.Max(padded, 512));
        return length;
    }
}
