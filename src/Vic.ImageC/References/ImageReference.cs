namespace Vic.ImageC.References;

/// <summary>
/// A normalised image reference: always with a registry domain and a full repository path
/// ("docker.io/library/busybox"), an optional tag and an optional digest. <see cref="Familiar"/> gives the short
/// form users see in RepoTags and messages ("busybox:latest", "127.0.0.1:5000/busybox:latest").
/// </summary>
public sealed record ImageReference
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";
    private const string OfficialPrefix = "library/";

    /// <summary>Registry host with optional port, e.g. "docker.io", "127.0.0.1:5000", "[::1]:5000".</summary>
    public required string Domain { get; init; }

    /// <summary>Repository path inside the registry, e.g. "library/busybox".</summary>
    public required string Path { get; init; }

    public string? Tag { get; init; }

    /// <summary>"sha256:" + 64 hex, when the reference pins content.</summary>
    public string? Digest { get; init; }

    /// <summary>"docker.io/library/busybox".</summary>
    public string Name => Domain + "/" + Path;

    /// <summary>"busybox" for official Docker Hub images, "user/app" for other Hub images, the full name elsewhere.</summary>
    public string FamiliarName
    {
        get
        {
            if (Domain != DefaultDomain)
            {
                return Name;
            }
            bool official = Path.StartsWith(OfficialPrefix, StringComparison.Ordinal) && Path.IndexOf('/', OfficialPrefix.Length) < 0;
            return official ? Path[OfficialPrefix.Length..] : Path;
        }
    }

    /// <summary>The familiar name with tag and digest, as dockerd prints references.</summary>
    public string Familiar => FamiliarName + Suffix;

    /// <summary>True when neither a tag nor a digest was given ("busybox").</summary>
    public bool IsNameOnly => Tag is null && Digest is null;

    /// <summary>The same reference with tag "latest" when it had neither tag nor digest.</summary>
    public ImageReference WithDefaultTag() => IsNameOnly ? this with { Tag = DefaultTag } : this;

    /// <summary>Name plus tag only (the tag reference recorded for a pull by tag).</summary>
    public ImageReference TagOnly() => this with { Digest = null };

    /// <summary>Name plus digest only (RepoDigests entries).</summary>
    public ImageReference DigestOnly(string digest) => this with { Tag = null, Digest = digest };

    public override string ToString() => Name + Suffix;

    /// <summary>Parses with dockerd's normalisation; throws InvalidArgumentException with dockerd's message.</summary>
    public static ImageReference Parse(string text) => ReferenceParser.ParseNormalized(text);

    public static bool TryParse(string text, out ImageReference? reference) => ReferenceParser.TryParseNormalized(text, out reference, out _);

    private string Suffix => (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
