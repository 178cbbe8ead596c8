using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Vic.ImageC.References;
using Vic.PortLayer;

namespace Vic.ImageC.Registry;

/// <summary>
/// The VCH's registry policy in force: which registries may be used (whitelist, blacklist), which are insecure
/// (HTTPS without verification, else HTTP; loopback always), the extra CAs trusted, and Docker Hub's mirrors.
/// Owns the two HTTP stacks: a verifying one and, for insecure registries only, a non-verifying one.
/// </summary>
internal sealed class RegistryAccess : IDisposable
{
    private readonly RegistryPolicy _policy;
    private readonly X509Certificate2Collection _extraCas = [];

    public RegistryAccess(RegistryPolicy policy, HttpMessageHandler? handler)
    {
        _policy = policy;
        foreach (string file in policy.CaCertificateFiles)
        {
            _extraCas.ImportFromPemFile(file);
        }
        if (handler is not null)
        {
            // Tests hand one handler in; it serves both stacks.
            Secure = Insecure = NewClient(handler);
            return;
        }
        IWebProxy? proxy = RegistryProxy.IsConfigured(policy) ? new RegistryProxy(policy) : null;
        Secure = NewClient(NewHandler(VerifyWithExtraCas, proxy));
        Insecure = NewClient(NewHandler((_, _, _, _) => true, proxy));
    }

    public RegistryPolicy Policy => _policy;

    public HttpClient Secure { get; }

    public HttpClient Insecure { get; }

    /// <summary>Throws ForbiddenException when policy refuses <paramref name="domain"/>, in VIC's words.</summary>
    public void Check(string domain)
    {
        if (RegistryMatcher.MatchesAny(_policy.Blacklist, domain) || (domain == ImageReference.DefaultDomain && RegistryMatcher.MatchesAny(_policy.Blacklist, "registry-1.docker.io")))
        {
            throw new ForbiddenException($"Access denied to blacklisted registry ({domain})");
        }
        if (_policy.Whitelist.Count > 0 && !IsWhitelisted(domain))
        {
            throw new ForbiddenException($"Access denied to unauthorized registry ({domain}) while VCH is in whitelist mode");
        }
    }

    /// <summary>Insecure: verification skipped and plain HTTP allowed. Loopback registries always are.</summary>
    public bool IsInsecure(string domain) => RegistryMatcher.IsLoopback(domain) || RegistryMatcher.MatchesAny(_policy.InsecureRegistries, domain);

    /// <summary>The client for requests to <paramref name="url"/>: non-verifying only for an insecure registry's host:port.</summary>
    public HttpClient ClientFor(Uri url) => IsInsecure(url.Authority) ? Insecure : Secure;

    /// <summary>Docker Hub mirrors to try before Docker Hub itself, for pulls from docker.io only.</summary>
    public IReadOnlyList<Uri> MirrorsFor(string domain) =>
        domain == ImageReference.DefaultDomain ? _policy.Mirrors.Select(m => new Uri(m.TrimEnd('/') + "/")).ToList() : [];

    public void Dispose()
    {
        Secure.Dispose();
        if (!ReferenceEquals(Secure, Insecure))
        {
            Insecure.Dispose();
        }
        foreach (var certificate in _extraCas)
        {
            certificate.Dispose();
        }
    }

    private bool IsWhitelisted(string domain) =>
        RegistryMatcher.MatchesAny(_policy.Whitelist, domain)
        || (domain == ImageReference.DefaultDomain && RegistryMatcher.MatchesAny(_policy.Whitelist, "registry-1.docker.io"));

    /// <summary>
    /// The system's trust, and failing that a chain to one of the extra CAs (with the same name checks). A refusal is
    /// thrown as <see cref="RegistryCertificateException"/> in Go's crypto/x509 words, which dockerd's users know; a
    /// plain false would leave only .NET's "rejected by the provided callback".
    /// </summary>
    private bool VerifyWithExtraCas(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || certificate is null)
        {
            throw new RegistryCertificateException("tls: server sent no certificate");
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            string host = (sender as SslStream)?.TargetHostName ?? "the registry";
            throw new RegistryCertificateException($"tls: failed to verify certificate: x509: certificate is not valid for {host}");
        }
        if (chain?.ChainStatus.Any(s => s.Status == X509ChainStatusFlags.NotTimeValid) == true)
        {
            throw new RegistryCertificateException("tls: failed to verify certificate: x509: certificate has expired or is not yet valid");
        }
        if (_extraCas.Count == 0 || !ChainsToExtraCa(certificate, chain))
        {
            throw new RegistryCertificateException("tls: failed to verify certificate: x509: certificate signed by unknown authority");
        }
        return true;
    }

    private bool ChainsToExtraCa(X509Certificate certificate, X509Chain? chain)
    {
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraCas);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediates the server sent are in the chain the platform built; offer them again.
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <param name="proxy">The policy's proxies; null: direct (the daemon's environment is not consulted, see RegistryProxy).</param>
    private static SocketsHttpHandler NewHandler(RemoteCertificateValidationCallback validate, IWebProxy? proxy) => new()
    {
        UseProxy = proxy is not null,
        Proxy = proxy,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        AllowAutoRedirect = true,
        // Blobs are compressed content whose digest we verify: never let the HTTP layer decompress them.
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = validate },
    };

    private static HttpClient NewClient(HttpMessageHandler handler)
    {
        // Layers can take minutes; stalls are bounded by the connect timeout and the caller's token instead.
        var client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("vic-imagec/0.1");
        return client;
    }
}

/// <summary>A registry's certificate refused, with the reason in Go's crypto/x509 words.</summary>
internal sealed class RegistryCertificateException(string message) : System.Security.Authentication.AuthenticationException(message);
