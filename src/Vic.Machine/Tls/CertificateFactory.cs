using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vic.Machine.Tls;

/// <summary>
/// Issues the VCH's certificates with System.Security.Cryptography: a CA, a server certificate and a client
/// certificate, ECDSA P-256 with SHA-256 (what Go's crypto/tls, and so the docker CLI, handles natively).
/// </summary>
internal static class CertificateFactory
{
    public static readonly TimeSpan AuthorityLifetime = TimeSpan.FromDays(3650);
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(730);
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static X509Certificate2 CreateAuthority(string commonName, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // Backdated a little so a client whose clock runs slightly behind still accepts it.
        return request.CreateSelfSigned(now.AddHours(-1), now + AuthorityLifetime);
    }

    public static X509Certificate2 IssueServer(X509Certificate2 authority, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses, DateTimeOffset now)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (string dns in dnsNames)
            san.AddDnsName(dns);
        foreach (var address in addresses)
            san.AddIpAddress(address);
        string commonName = dnsNames.FirstOrDefault() ?? addresses.FirstOrDefault()?.ToString() ?? "vch";
        return Issue(authority, commonName, ServerAuth, san.Build(critical: false), now);
    }

    public static X509Certificate2 IssueClient(X509Certificate2 authority, string commonName, DateTimeOffset now) =>
        Issue(authority, commonName, ClientAuth, null, now);

    private static X509Certificate2 Issue(X509Certificate2 authority, string commonName, string usage, X509Extension? san, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (san is not null)
            request.CertificateExtensions.Add(san);
        var notAfter = now + LeafLifetime;
        if (notAfter > authority.NotAfter)
            notAfter = authority.NotAfter;
        using var issued = request.Create(authority, now.AddHours(-1), notAfter, SerialNumber());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>16 random bytes, positive (Go rejects negative serial numbers).</summary>
    private static byte[] SerialNumber()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    private static X500DistinguishedName Subject(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName("vic");
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    /// <summary>PEM of the private key (PKCS#8), which the docker CLI and Kestrel both read.</summary>
    public static string PrivateKeyPem(X509Certificate2 certificate) =>
        (certificate.GetECDsaPrivateKey() as AsymmetricAlgorithm ?? certificate.GetRSAPrivateKey()
            ?? throw new InvalidOperationException("certificate has no private key")).ExportPkcs8PrivateKeyPem();

    public static bool HasUsage(X509Certificate2 certificate, string oid) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is not { } eku
        || eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == oid);

    public static bool IsServerCertificate(X509Certificate2 certificate) => HasUsage(certificate, ServerAuth);
    public static bool IsClientCertificate(X509Certificate2 certificate) => HasUsage(certificate, ClientAuth);
}
