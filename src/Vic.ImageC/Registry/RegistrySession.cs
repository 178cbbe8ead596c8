using System.Net.Http.Headers;

namespace Vic.ImageC.Registry;

/// <summary>
/// One operation's view of one repository on one registry endpoint: who asks (credentials), for what (token
/// scopes), and the Authorization header that worked last, so the operation's later requests send it up front.
/// </summary>
internal sealed class RegistrySession(Uri endpoint, string domain, string repository, RegistryCredentials credentials, IReadOnlyList<string> scopes)
{
    /// <summary>Base URI of the registry ("https://host/", or a mirror's).</summary>
    public Uri Endpoint { get; } = endpoint;

    /// <summary>The registry as the user named it ("docker.io", "127.0.0.1:5000").</summary>
    public string Domain { get; } = domain;

    /// <summary>Repository path, e.g. "library/busybox".</summary>
    public string Repository { get; } = repository;

    public RegistryCredentials Credentials { get; } = credentials;

    /// <summary>Token scopes the operation needs, e.g. "repository:library/busybox:pull".</summary>
    public IReadOnlyList<string> Scopes { get; } = scopes;

    /// <summary>Set by the client when a request was authorized; read concurrently by parallel layer requests.</summary>
    public AuthenticationHeaderValue? Authorization { get; set; }

    public static string PullScope(string repository) => $"repository:{repository}:pull";

    public static string PushScope(string repository) => $"repository:{repository}:pull,push";
}
