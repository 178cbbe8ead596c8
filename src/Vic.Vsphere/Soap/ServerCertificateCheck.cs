using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vic.Vsphere.Soap;

/// <summary>
/// Decides whether the server's certificate is trusted (pinned thumbprint, or chain to given/system CAs) and
/// remembers what it saw, so a refusal can be reported with the thumbprint instead of a bare TLS error.
/// </summary>
internal sealed class ServerCertificateCheck(string? thumbprint, X509Certificate2Collection? trusted)
{
    private readonly string? _pinned = thumbprint is null ? null : Normalize(thumbprint);

    /// <summary>The SHA-1 thumbprint of the last certificate refused, or null.</summary>
    public string? RefusedThumbprint { get; private set; }

    public string? RefusalReason { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            RefusalReason = "the server sent no certificate";
            RefusedThumbprint = "";
            return false;
        }
        byte[] der = certificate.GetRawCertData();
        if (_pinned is not null)
        {
            if (_pinned == Hex(SHA1.HashData(der)) || _pinned == Hex(SHA256.HashData(der)))
            {
                return true;
            }
            return Refuse(der, $"its thumbprint does not match the expected {_pinned}");
        }
        if (trusted is not null)
        {
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            bool nameOk = (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            using var leaf = X509CertificateLoader.LoadCertificate(der);
            if (custom.Build(leaf) && nameOk)
            {
                return true;
            }
            return Refuse(der, nameOk ? "it does not chain to the trusted CAs given" : "it does not name the host connected to");
        }
        return errors == SslPolicyErrors.None || Refuse(der, $"it is not trusted by the system ({errors})");
    }

    /// <summary>SHA-1 thumbprint in the form vSphere tools print: upper-case hex pairs joined by colons.</summary>
    public static string Sha1Thumbprint(byte[] der) => Hex(SHA1.HashData(der));

    private bool Refuse(byte[] der, string reason)
    {
        RefusedThumbprint = Hex(SHA1.HashData(der));
        RefusalReason = reason;
        return false;
    }

    private static string Hex(byte[] hash) => string.Join(':', hash.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    private static string Normalize(string thumbprint)
    {
        string hex = new(thumbprint.Where(Uri.IsHexDigit).Select(char.ToUpperInvariant).ToArray());
        if (hex.Length is not (40 or 64))
        {
            throw new ArgumentException($"thumbprint \"{thumbprint}\" is neither a SHA-1 (20 bytes) nor a SHA-256 (32 bytes) hex string");
        }
        return string.Join(':', Enumerable.Range(0, hex.Length / 2).Select(i => hex.Substring(i * 2, 2)));
    }
}
