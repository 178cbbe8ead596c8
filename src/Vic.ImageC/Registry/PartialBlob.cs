using System.Buffers;
using System.Security.Cryptography;
using Vic.ImageC.Digests;

namespace Vic.ImageC.Registry;

/// <summary>
/// A blob download that outlives one HTTP response: the bytes received so far stay in the file and in the running
/// sha256, so that after a broken connection the next attempt asks only for the rest (Range) and the digest is still
/// computed over the whole blob. The hash only ever covers bytes that reached the file, so the two never disagree.
/// </summary>
internal sealed class PartialBlob : IDisposable
{
    private const int BufferSize = 128 * 1024;

    private readonly FileStream _file;
    private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public PartialBlob(string path) =>
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);

    /// <summary>Bytes received, written and hashed so far.</summary>
    public long Received { get; private set; }

    /// <summary>The sha256 of what was received so far (the blob's digest once it is complete).</summary>
    public string Digest => Digests.Digest.FromHash(_hash.GetCurrentHash());

    /// <summary>Forgets everything received: the registry is sending the blob from its first byte.</summary>
    public void Restart()
    {
        _hash.Dispose();
        _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Received = 0;
        _file.SetLength(0);
        _file.Position = 0;
    }

    /// <summary>
    /// Appends all of <paramref name="body"/> (the blob from byte <see cref="Received"/> on). Throws InvalidDataException
    /// before writing past <paramref name="maxLength"/> (a hostile or broken peer); an IOException from the body (a
    /// dropped connection) leaves what arrived before it in place for a resumed attempt.
    /// </summary>
    public async Task AppendAsync(Stream body, long maxLength, Action<long>? progress, CancellationToken cancellationToken)
    {
        // A failed write in an earlier attempt may have left bytes past Received in the file.
        _file.SetLength(Received);
        _file.Position = Received;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                if (Received + read > maxLength)
                {
                    throw new InvalidDataException($"content is larger than the expected {maxLength} bytes");
                }
                await _file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                _hash.AppendData(buffer, 0, read);
                Received += read;
                progress?.Invoke(Received);
            }
            await _file.FlushAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose()
    {
        _hash.Dispose();
        _file.Dispose();
    }
}
