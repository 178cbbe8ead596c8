using System.Net;

namespace Vic.ImageC.Registry;

/// <summary>
/// A registry answered with a status the client does not retry (401, 403, 404...). Callers that know what was
/// asked for turn it into dockerd's wording (see PullErrors); the registry's own error code and message ride along.
/// </summary>
internal sealed class RegistryHttpException(HttpStatusCode status, string? code, string? registryMessage, string url)
    : Exception($"{url}: HTTP {(int)status} {code} {registryMessage}")
{
    public HttpStatusCode Status { get; } = status;
    public string? Code { get; } = code;
    public string? RegistryMessage { get; } = registryMessage;
}

/// <summary>A status worth retrying (5xx, 429, 408); thrown inside a retry attempt only.</summary>
internal sealed class TransientStatusException(HttpStatusCode status, string? reasonPhrase, string url)
    : Exception($"{url}: HTTP {(int)status} {reasonPhrase}")
{
    public HttpStatusCode Status { get; } = status;
    public string? ReasonPhrase { get; } = reasonPhrase;
}

/// <summary>The body ended before the descriptor's size: the connection dropped; worth retrying.</summary>
internal sealed class TruncatedBodyException(string url, long got, long expected)
    : IOException($"{url}: body ended after {got} of {expected} bytes");
