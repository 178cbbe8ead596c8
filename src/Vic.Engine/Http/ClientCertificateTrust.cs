using System.Security.Cryptography.X509Certificates;

namespace Vic.Engine.Http;

/// <summary>Decides whether a client certificate chains to one of the VCH's client CAs, and only to those:
/// the host's trust store plays no part, so a certificate from a public CA is not a key to the VCH.</summary>
internal static class ClientCertificateTrust
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public static bool IsTrusted(X509Certificate2? certificate, X509Certificate2Collection authorities)
    {
        if (certificate is null || authorities.Count == 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // Private CAs publish no revocation lists; rotating the CA (vic-machine configure) is how access is revoked.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthOid));
        return chain.Build(certificate);
    }
}
