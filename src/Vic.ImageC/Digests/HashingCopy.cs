using System.Buffers;
using System.Security.Cryptography;

namespace Vic.ImageC.Digests;

/// <summary>Copies a stream while hashing what passes through; the one copy loop every verification uses.</summary>
internal static class HashingCopy
{
    private const int BufferSize = 128 * 1024;

    /// <summary>
    /// Copies all of <paramref name="source"/> to <paramref name="destination"/>; returns the sha256 digest and byte count.
    /// Throws InvalidDataException once more than <paramref name="maxLength"/> bytes arrive (a hostile or broken peer).
    /// </summary>
    public static async Task<(string Digest, long Length)> CopyAsync(
        Stream source, Stream destination, Action<long>? progress, CancellationToken cancellationToken, long maxLength = long.MaxValue)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
                if (total > maxLength)
                {
                    throw new InvalidDataException($"content is larger than the expected {maxLength} bytes");
                }
                progress?.Invoke(total);
            }
            return (Digest.FromHash(hash.GetHashAndReset()), total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
