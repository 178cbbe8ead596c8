using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Vic.PortLayer;

namespace Vic.ImageC.References;

/// <summary>
/// Reference grammar and normalisation with the behaviour (and error messages) of dockerd, so that a user's
/// "busybox", "Busybox" or "host:5000/x@sha256:..." is accepted or refused exactly as Docker would.
/// </summary>
internal static partial class ReferenceParser
{
    private const int MaxNameLength = 255;
    private const string InvalidFormat = "invalid reference format";

    // Path components are lowercase alphanumerics joined by '.', '_', '__' or runs of '-'.
    private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string Tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    [GeneratedRegex("^(?:" + DomainComponent + @"(?:\." + DomainComponent + @")*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex DomainRegex();

    [GeneratedRegex("^(?<path>" + PathComponent + "(?:/" + PathComponent + ")*)(?::(?<tag>" + Tag + "))?(?:@(?<digest>" + DigestPattern + "))?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RemainderRegex();

    [GeneratedRegex("^[a-f0-9]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex FullIdRegex();

    public static bool IsFullHexId(string text) => FullIdRegex().IsMatch(text);

    public static ImageReference ParseNormalized(string text) =>
        TryParseNormalized(text, out var reference, out string? error) ? reference : throw new InvalidArgumentException(error);

    public static bool TryParseNormalized(string text, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        if (IsFullHexId(text))
        {
            error = $"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings";
            return false;
        }
        (string domain, string remainder) = SplitDomain(text);
        int tagSeparator = remainder.IndexOf(':');
        string remoteName = tagSeparator >= 0 ? remainder[..tagSeparator] : remainder;
        if (!remoteName.Equals(remoteName.ToLowerInvariant(), StringComparison.Ordinal))
        {
            error = $"{InvalidFormat}: repository name ({remoteName}) must be lowercase";
            return false;
        }
        var match = RemainderRegex().Match(remainder);
        if (!match.Success || !DomainRegex().IsMatch(domain))
        {
            error = InvalidFormat;
            return false;
        }
        string path = match.Groups["path"].Value;
        if (domain.Length + 1 + path.Length > MaxNameLength)
        {
            error = $"repository name must not be more than {MaxNameLength} characters";
            return false;
        }
        string? digest = match.Groups["digest"].Success ? match.Groups["digest"].Value : null;
        if (digest is not null && ValidateDigest(digest) is { } digestError)
        {
            error = digestError;
            return false;
        }
        reference = new ImageReference
        {
            Domain = domain,
            Path = path,
            Tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null,
            Digest = digest,
        };
        error = null;
        return true;
    }

    /// <summary>
    /// The first path element names a registry only when it looks like a host (has '.' or ':', is "localhost",
    /// or has uppercase letters); everything else is a Docker Hub repository, official ones under "library/".
    /// </summary>
    private static (string Domain, string Remainder) SplitDomain(string name)
    {
        int slash = name.IndexOf('/');
        string domain, remainder;
        if (slash < 0 || !LooksLikeHost(name[..slash]))
        {
            (domain, remainder) = (ImageReference.DefaultDomain, name);
        }
        else
        {
            (domain, remainder) = (name[..slash], name[(slash + 1)..]);
        }
        if (domain == "index.docker.io")
        {
            domain = ImageReference.DefaultDomain;
        }
        if (domain == ImageReference.DefaultDomain && !remainder.Contains('/'))
        {
            remainder = "library/" + remainder;
        }
        return (domain, remainder);
    }

    private static bool LooksLikeHost(string first) =>
        first.AsSpan().IndexOfAny('.', ':') >= 0 || first == "localhost" || !first.Equals(first.ToLowerInvariant(), StringComparison.Ordinal);

    private static string? ValidateDigest(string digest)
    {
        int colon = digest.IndexOf(':');
        string algorithm = digest[..colon];
        string hex = digest[(colon + 1)..];
        if (algorithm is not ("sha256" or "sha384" or "sha512"))
        {
            return "unsupported digest algorithm";
        }
        int expected = algorithm switch { "sha256" => 64, "sha384" => 96, _ => 128 };
        if (hex.Length != expected)
        {
            return "invalid checksum digest length";
        }
        if (!Digests.Digest.IsLowerHex(hex))
        {
            return "invalid checksum digest format";
        }
        return algorithm == "sha256" ? null : $"unsupported digest algorithm: {algorithm} (only sha256 is supported)";
    }
}
