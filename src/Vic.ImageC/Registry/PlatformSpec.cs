using Vic.ImageC.Json;
using Vic.PortLayer;

namespace Vic.ImageC.Registry;

/// <summary>
/// An os/architecture[/variant] triple, as given to docker pull --platform, normalised the way containerd
/// does it (x86_64 → amd64, aarch64 → arm64, arm64's default variant v8) so aliases match index entries.
/// </summary>
internal sealed record PlatformSpec(string Os, string Architecture, string? Variant)
{
    public static readonly PlatformSpec Default = new("linux", "amd64", null);

    private static readonly HashSet<string> KnownOs = ["linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix", "plan9", "android", "ios", "js", "wasip1"];

    public static PlatformSpec Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }
        string[] parts = text.Trim().ToLowerInvariant().Split('/');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
        {
            throw Invalid(text);
        }
        if (parts.Length == 1)
        {
            // A lone word is an OS when it names one, else an architecture on linux (containerd's rule).
            return KnownOs.Contains(parts[0]) ? Default with { Os = parts[0] } : Normalize("linux", parts[0], null, text);
        }
        if (!KnownOs.Contains(parts[0]))
        {
            throw Invalid(text);
        }
        return Normalize(parts[0], parts[1], parts.Length == 3 ? parts[2] : null, text);
    }

    public bool Matches(PlatformJson? platform)
    {
        if (platform is null)
        {
            return false;
        }
        PlatformSpec other;
        try
        {
            other = Normalize(platform.Os.ToLowerInvariant(), platform.Architecture.ToLowerInvariant(), platform.Variant?.ToLowerInvariant(), "");
        }
        catch (InvalidArgumentException)
        {
            return false;
        }
        return other.Os == Os && other.Architecture == Architecture && (Variant is null || other.Variant is null || other.Variant == Variant);
    }

    /// <summary>True when an image config's os/architecture fit this platform.</summary>
    public bool Matches(string? os, string? architecture, string? variant) =>
        Matches(new PlatformJson { Os = os ?? "", Architecture = architecture ?? "", Variant = variant });

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    private static PlatformSpec Normalize(string os, string architecture, string? variant, string original)
    {
        (string arch, string? v) = architecture switch
        {
            "x86_64" or "x86-64" or "amd64" => ("amd64", variant),
            "aarch64" or "arm64" => ("arm64", variant is null or "8" or "v8" ? null : variant),
            "armhf" => ("arm", "v7"),
            "armel" => ("arm", "v6"),
            "i386" or "386" => ("386", variant),
            "" => throw Invalid(original),
            _ => (architecture, variant),
        };
        return new PlatformSpec(os, arch, v);
    }

    private static InvalidArgumentException Invalid(string text) =>
        new($"\"{text}\": unknown operating system or architecture: invalid argument");
}
