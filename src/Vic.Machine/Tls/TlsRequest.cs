using System.Net;

namespace Vic.Machine.Tls;

/// <summary>What TLS material a VCH needs: where, in which mode, for which names, from which user files.</summary>
internal sealed record TlsRequest
{
    public required string VchName { get; init; }
    public required string CertPath { get; init; }
    public required TlsMode Mode { get; init; }
    /// <summary>Names and addresses the server certificate must cover.</summary>
    public required IReadOnlyList<string> DnsNames { get; init; }
    public required IReadOnlyList<IPAddress> Addresses { get; init; }
    /// <summary>Bring-your-own server certificate (PEM, leaf first, then its chain) and key.</summary>
    public string? ServerCertFile { get; init; }
    public string? ServerKeyFile { get; init; }
    /// <summary>PEM files of further CAs whose client certificates are accepted.</summary>
    public IReadOnlyList<string> ExtraClientCaFiles { get; init; } = [];
}
