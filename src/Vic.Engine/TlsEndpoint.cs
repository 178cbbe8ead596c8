using System.Security.Cryptography.X509Certificates;

namespace Vic.Engine;

/// <summary>A TCP endpoint served over TLS, as dockerd's <c>--tls</c> / <c>--tlsverify</c>.</summary>
public sealed record TlsEndpoint
{
    /// <summary>"127.0.0.1:2376" or "[::1]:2376".</summary>
    public required string Address { get; init; }

    /// <summary>The server certificate with its private key.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>Intermediate certificates sent with <see cref="Certificate"/> (may be empty).</summary>
    public X509Certificate2Collection Chain { get; init; } = [];

    /// <summary>
    /// CAs a client certificate must chain to (dockerd's <c>--tlsverify --tlscacert</c>). A client without such a
    /// certificate fails the handshake and gets no HTTP answer at all. Null serves TLS without client verification.
    /// </summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }
}
