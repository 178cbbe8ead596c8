using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>Registry credentials: the body of POST /auth and the JSON inside X-Registry-Auth. Docker uses lowercase keys.</summary>
public sealed record AuthConfig
{
    [JsonPropertyName("username")] public string? Username { get; init; }
    [JsonPropertyName("password")] public string? Password { get; init; }
    [JsonPropertyName("auth")] public string? Auth { get; init; }
    [JsonPropertyName("email")] public string? Email { get; init; }
    [JsonPropertyName("serveraddress")] public string? ServerAddress { get; init; }
    [JsonPropertyName("identitytoken")] public string? IdentityToken { get; init; }
    [JsonPropertyName("registrytoken")] public string? RegistryToken { get; init; }
}

/// <summary>POST /auth's answer.</summary>
public sealed record AuthResponse(string Status, string IdentityToken);

/// <summary>docker info's RegistryConfig.</summary>
public sealed record RegistryServiceConfig
{
    public List<string>? AllowNondistributableArtifactsCIDRs { get; init; }
    public List<string>? AllowNondistributableArtifactsHostnames { get; init; }
    public required List<string> InsecureRegistryCIDRs { get; init; }
    public required Dictionary<string, IndexInfo> IndexConfigs { get; init; }
    public required List<string> Mirrors { get; init; }
}

/// <summary>One registry docker info describes: its mirrors and whether it is verified over TLS.</summary>
public sealed record IndexInfo(string Name, List<string> Mirrors, bool Secure, bool Official);

/// <summary>The "aux" member of a push's last message.</summary>
public sealed record PushAux(string Tag, string Digest, int Size);
