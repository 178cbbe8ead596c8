using System.IO.Compression;
using System.Security.Cryptography;
using Vic.ImageC.Digests;
using Vic.PortLayer;
using ZstdSharp;

namespace Vic.ImageC.Layers;

internal enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}

/// <summary>A layer blob turned into the uncompressed tar the layer store applies.</summary>
/// <param name="TarPath">The uncompressed tar: a new file, or the blob itself when it was not compressed.</param>
/// <param name="DiffId">sha256 of the uncompressed tar.</param>
/// <param name="BlobDigest">sha256 of the blob as given.</param>
internal sealed record DecompressedLayer(string TarPath, string DiffId, long TarSize, string BlobDigest, long BlobSize, LayerCompression Compression);

/// <summary>
/// Stream decompression of layer blobs on the host. This is not unpacking (DESIGN rule 5): the tar stays one
/// opaque file that only a VM applies. Compression is recognised by magic bytes, not by the declared media type.
/// </summary>
internal static class LayerDecompressor
{
    public static async Task<DecompressedLayer> DecompressAsync(string blobPath, string tarPath, CancellationToken cancellationToken)
    {
        var compression = await DetectAsync(blobPath, cancellationToken);
        await using var blob = new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        using var blobHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (compression == LayerCompression.None)
        {
            var (digest, size) = await HashingCopy.CopyAsync(blob, Stream.Null, null, cancellationToken);
            return new DecompressedLayer(blobPath, digest, size, digest, size, compression);
        }
        await using var tee = new HashingReadStream(blob, blobHash);
        await using var plain = OpenDecompressed(tee, compression);
        await using var tar = new FileStream(tarPath, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        (string diffId, long tarSize) = await CopyDecompressingAsync(plain, tar, blobPath, cancellationToken);
        // Drain what the decompressor did not need (trailing padding) so the blob digest covers the whole file.
        await tee.CopyToAsync(Stream.Null, cancellationToken);
        return new DecompressedLayer(tarPath, diffId, tarSize, Digest.FromHash(blobHash.GetHashAndReset()), blob.Length, compression);
    }

    public static async Task<LayerCompression> DetectAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        return await DetectAsync(file, cancellationToken);
    }

    /// <summary>Reads the magic bytes of a seekable stream and rewinds it.</summary>
    public static async Task<LayerCompression> DetectAsync(Stream blob, CancellationToken cancellationToken)
    {
        byte[] magic = new byte[6];
        long start = blob.Position;
        int read = await blob.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken);
        blob.Position = start;
        return Detect(magic.AsSpan(0, read));
    }

    /// <summary>A stream of the uncompressed tar over <paramref name="blob"/> (which it leaves open).</summary>
    public static Stream OpenDecompressed(Stream blob, LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => new GZipStream(blob, CompressionMode.Decompress, leaveOpen: true),
        LayerCompression.Zstd => new DecompressionStream(blob, leaveOpen: true),
        _ => blob,
    };

    private static LayerCompression Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]))
        {
            return LayerCompression.Gzip;
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]))
        {
            return LayerCompression.Zstd;
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
        {
            throw new NotSupportedByBackendException("unsupported layer compression: xz");
        }
        if (head.StartsWith("BZh"u8))
        {
            throw new NotSupportedByBackendException("unsupported layer compression: bzip2");
        }
        return LayerCompression.None;
    }

    /// <summary>Decompresses into <paramref name="tar"/>, returning the diff ID; corrupt input becomes InvalidArgument.</summary>
    public static async Task<(string DiffId, long Size)> CopyDecompressingAsync(Stream plain, Stream tar, string blobPath, CancellationToken cancellationToken)
    {
        try
        {
            return await HashingCopy.CopyAsync(plain, tar, null, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdException)
        {
            throw new InvalidArgumentException($"layer {Path.GetFileName(blobPath)} is not a valid compressed tar: {e.Message}");
        }
    }

    /// <summary>Read pass-through that feeds everything read into a hash.</summary>
    private sealed class HashingReadStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read = inner.Read(buffer);
            hash.AppendData(buffer[..read]);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await inner.ReadAsync(buffer, cancellationToken);
            hash.AppendData(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
