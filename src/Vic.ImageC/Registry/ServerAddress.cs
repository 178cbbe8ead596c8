using Vic.ImageC.References;
using Vic.PortLayer;

namespace Vic.ImageC.Registry;

/// <summary>What docker login's serveraddress names: empty or Docker Hub's index URL mean docker.io; a URL means its host[:port].</summary>
internal static class ServerAddress
{
    private static readonly string[] DockerHubNames = ["docker.io", "index.docker.io", "registry-1.docker.io"];

    public static string Normalize(string? serverAddress)
    {
        string text = (serverAddress ?? "").Trim();
        if (text.Length == 0)
        {
            return ImageReference.DefaultDomain;
        }
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new InvalidArgumentException($"invalid registry address \"{text}\"");
            }
            text = uri.IsDefaultPort ? uri.Host : uri.Authority;
        }
        else
        {
            text = text.TrimEnd('/');
            int slash = text.IndexOf('/');
            if (slash >= 0)
            {
                text = text[..slash];
            }
        }
        if (DockerHubNames.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            return ImageReference.DefaultDomain;
        }
        if (!RegistryMatcher.IsValidPattern(text) || text.StartsWith("*.", StringComparison.Ordinal))
        {
            throw new InvalidArgumentException($"invalid registry address \"{serverAddress}\"");
        }
        return text;
    }
}
