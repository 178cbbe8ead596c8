using System.Security.Cryptography;
using Vic.PortLayer;

namespace Vic.ImageC.Digests;

/// <summary>
/// sha256 content digests ("sha256:" + 64 lowercase hex). Every digest that reaches a file name or URL goes
/// through <see cref="RequireSha256"/> first, because manifests are untrusted input.
/// </summary>
internal static class Digest
{
    public const string Sha256Prefix = "sha256:";
    public const int HexLength = 64;

    public static string Of(ReadOnlySpan<byte> data) => FromHash(SHA256.HashData(data));

    public static string FromHash(ReadOnlySpan<byte> hash) => Sha256Prefix + Convert.ToHexStringLower(hash);

    public static bool IsSha256(string? digest) =>
        digest is { Length: 7 + HexLength } && digest.StartsWith(Sha256Prefix, StringComparison.Ordinal) && IsLowerHex(digest.AsSpan(7));

    /// <summary>Throws InvalidArgument unless <paramref name="digest"/> is a well-formed sha256 digest.</summary>
    public static string RequireSha256(string? digest, string what)
    {
        if (IsSha256(digest))
        {
            return digest!;
        }
        if (digest is not null && !digest.StartsWith(Sha256Prefix, StringComparison.Ordinal) && digest.Contains(':'))
        {
            throw new NotSupportedByBackendException($"{what}: unsupported digest algorithm in {digest}");
        }
        throw new InvalidArgumentException($"{what}: invalid digest {digest ?? "(none)"}");
    }

    /// <summary>The 64 hex characters of a sha256 digest.</summary>
    public static string Hex(string digest) => IsSha256(digest) ? digest[7..] : throw new ArgumentException($"not a sha256 digest: {digest}", nameof(digest));

    /// <summary>dockerd's short form: the first 12 hex characters, without the algorithm.</summary>
    public static string Short(string idOrDigest)
    {
        string hex = idOrDigest.StartsWith(Sha256Prefix, StringComparison.Ordinal) ? idOrDigest[7..] : idOrDigest;
        return hex.Length > 12 ? hex[..12] : hex;
    }

    public static bool IsLowerHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }
        return true;
    }
}
