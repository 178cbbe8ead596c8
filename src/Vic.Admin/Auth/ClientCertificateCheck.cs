using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vic.Admin.Auth;

/// <summary>Whether a client certificate chains to the VCH's own CAs (never the host's trust store) and is meant
/// for client authentication: the same rule as the Docker endpoint's mutual TLS, so one client certificate opens both.</summary>
internal static class ClientCertificateCheck
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public static bool IsTrusted(X509Certificate2? certificate, X509Certificate2Collection? authorities)
    {
        if (certificate is null || authorities is not { Count: > 0 })
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // Private CAs publish no revocation lists; rotating the CA is how access is revoked.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthOid));
        return chain.Build(certificate);
    }
}
