using System.Net.Http.Headers;

namespace Vic.ImageC.Registry;

/// <summary>
/// The slot where registry authentication plugs in (bearer tokens, basic auth, X-Registry-Auth credentials).
/// The registry client calls it when a registry answers 401 and retries the request once with the header it
/// returns. Implementations cache tokens per registry and scope; they are called concurrently.
/// </summary>
public interface IRegistryAuthenticator
{
    /// <param name="registry">Host[:port] of the registry as the user named it (e.g. "docker.io", "127.0.0.1:5000").</param>
    /// <param name="repository">Repository path the request is for, e.g. "library/busybox".</param>
    /// <param name="challenge">The WWW-Authenticate challenges of the 401 response (may be empty).</param>
    /// <returns>The Authorization header to retry with, or null to give up (the pull is then denied).</returns>
    ValueTask<AuthenticationHeaderValue?> AuthorizeAsync(
        string registry, string repository, IReadOnlyList<AuthenticationHeaderValue> challenge, CancellationToken cancellationToken);
}

/// <summary>Anonymous access: never adds credentials.</summary>
public sealed class AnonymousRegistryAuthenticator : IRegistryAuthenticator
{
    public static readonly AnonymousRegistryAuthenticator Instance = new();

    public ValueTask<AuthenticationHeaderValue?> AuthorizeAsync(
        string registry, string repository, IReadOnlyList<AuthenticationHeaderValue> challenge, CancellationToken cancellationToken) =>
        ValueTask.FromResult<AuthenticationHeaderValue?>(null);
}
