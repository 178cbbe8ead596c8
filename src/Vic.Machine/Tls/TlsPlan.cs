using System.Security.Cryptography.X509Certificates;

namespace Vic.Machine.Tls;

/// <summary>The certificates a VCH will use, decided (and validated) before anything is written.</summary>
internal sealed record TlsPlan
{
    public required TlsRequest Request { get; init; }
    public required X509Certificate2 Authority { get; init; }
    public required X509Certificate2 Server { get; init; }
    /// <summary>Certificates sent after the server's (its intermediates); empty for one the VCH's CA issued.</summary>
    public required X509Certificate2Collection ServerChain { get; init; }
    /// <summary>Null in server-only mode.</summary>
    public X509Certificate2? Client { get; init; }
    /// <summary>CAs clients must trust to verify the server: the VCH's CA, then a brought server certificate's issuers.</summary>
    public required X509Certificate2Collection ServerTrust { get; init; }
    /// <summary>CAs whose client certificates the server accepts (the VCH's CA, then --tls-ca).</summary>
    public required X509Certificate2Collection ClientAuthorities { get; init; }
    /// <summary>What was reused and what is new, for the progress output.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
