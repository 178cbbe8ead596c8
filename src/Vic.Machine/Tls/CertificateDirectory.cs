using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Vic.Machine.Tls;

/// <summary>
/// A VCH's certificate directory, in the docker CLI's file names (ca.pem, cert.pem, key.pem for clients;
/// server-cert.pem, server-key.pem for the daemon) plus ca-key.pem (to issue more) and client-ca.pem (the CAs the
/// daemon accepts client certificates from). <see cref="Plan"/> reads and validates; only <see cref="Write"/> writes.
/// </summary>
internal sealed class CertificateDirectory(string path)
{
    /// <summary>Certificates closer than this to expiry are replaced rather than reused.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string CaFile => File("ca.pem");
    public string CaKeyFile => File("ca-key.pem");
    public string ServerCertFile => File("server-cert.pem");
    public string ServerKeyFile => File("server-key.pem");
    public string ClientCertFile => File("cert.pem");
    public string ClientKeyFile => File("key.pem");
    public string ClientCaBundleFile => File("client-ca.pem");

    /// <summary>Every file this class may write (for snapshots and rollback).</summary>
    public IReadOnlyList<string> AllFiles => [CaFile, CaKeyFile, ServerCertFile, ServerKeyFile, ClientCertFile, ClientKeyFile, ClientCaBundleFile];

    private string File(string name) => System.IO.Path.Combine(Path, name);

    public TlsPlan Plan(TlsRequest request, DateTimeOffset now)
    {
        if (request.Mode == TlsMode.Off)
            throw new InvalidOperationException("no certificates are planned for plain TCP");
        if (System.IO.File.Exists(Path))
            throw new MachineException($"certificate path {Path} is a file, not a directory", ExitCodes.InvalidArgument);
        var notes = new List<string>();
        var warnings = new List<string>();

        var authority = ExistingAuthority(now, notes) ?? New(notes, "generated a CA", () => CertificateFactory.CreateAuthority($"vic {request.VchName} CA", now));
        var (server, chain, trustExtra) = request.ServerCertFile is string byo
            ? BroughtServer(byo, request.ServerKeyFile!, request, now, notes, warnings)
            : (ExistingLeaf(ServerCertFile, ServerKeyFile, authority, now, CertificateFactory.IsServerCertificate, c => Covers(c, request))
                   is { } reused ? Note(notes, "reused the server certificate", reused)
                   : New(notes, "generated a server certificate for " + string.Join(", ", request.DnsNames.Concat(request.Addresses.Select(a => a.ToString()))),
                       () => CertificateFactory.IssueServer(authority, request.DnsNames, request.Addresses, now)),
               new X509Certificate2Collection(), new X509Certificate2Collection());

        X509Certificate2? client = null;
        var clientAuthorities = new X509Certificate2Collection { authority };
        if (request.Mode == TlsMode.Verify)
        {
            client = ExistingLeaf(ClientCertFile, ClientKeyFile, authority, now, CertificateFactory.IsClientCertificate, _ => true) is { } reusedClient
                ? Note(notes, "reused the client certificate", reusedClient)
                : New(notes, "generated a client certificate", () => CertificateFactory.IssueClient(authority, $"vic {request.VchName} client", now));
            foreach (string file in request.ExtraClientCaFiles)
                clientAuthorities.AddRange(ReadCertificates(file, "--tls-ca"));
        }
        var serverTrust = new X509Certificate2Collection { authority };
        serverTrust.AddRange(trustExtra);
        return new TlsPlan
        {
            Request = request, Authority = authority, Server = server, ServerChain = chain, Client = client,
            ServerTrust = serverTrust, ClientAuthorities = clientAuthorities, Notes = notes, Warnings = warnings,
        };
    }

    /// <summary>Writes the plan's files (keys 0600) into the directory, leaving identical files untouched.</summary>
    public void Write(TlsPlan plan)
    {
        Directory.CreateDirectory(Path);
        if (!OperatingSystem.IsWindows())
            System.IO.File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        WriteFile(CaFile, Pem(plan.ServerTrust), secret: false);
        WriteFile(CaKeyFile, CertificateFactory.PrivateKeyPem(plan.Authority), secret: true);
        var serverPem = new X509Certificate2Collection { plan.Server };
        serverPem.AddRange(plan.ServerChain);
        WriteFile(ServerCertFile, Pem(serverPem), secret: false);
        WriteFile(ServerKeyFile, CertificateFactory.PrivateKeyPem(plan.Server), secret: true);
        if (plan.Client is { } client)
        {
            WriteFile(ClientCertFile, client.ExportCertificatePem() + "\n", secret: false);
            WriteFile(ClientKeyFile, CertificateFactory.PrivateKeyPem(client), secret: true);
            WriteFile(ClientCaBundleFile, Pem(plan.ClientAuthorities), secret: false);
        }
    }

    private X509Certificate2? ExistingAuthority(DateTimeOffset now, List<string> notes)
    {
        if (!System.IO.File.Exists(CaFile))
            return null;
        if (!System.IO.File.Exists(CaKeyFile))
            throw new MachineException(
                $"{CaFile} exists without {System.IO.Path.GetFileName(CaKeyFile)}: vic-machine cannot issue certificates from that CA; remove it or choose another --tls-cert-path",
                ExitCodes.InvalidArgument);
        X509Certificate2 authority;
        try
        {
            // ca.pem may also hold a brought server certificate's issuers after the VCH's own CA: the first is ours.
            authority = X509Certificate2.CreateFromPem(FirstPem(System.IO.File.ReadAllText(CaFile)), System.IO.File.ReadAllText(CaKeyFile));
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new MachineException($"{CaFile} and {CaKeyFile} are not a certificate and its key ({e.Message}); remove them or choose another --tls-cert-path", ExitCodes.InvalidArgument);
        }
        bool isCa = authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault()?.CertificateAuthority == true;
        if (!isCa)
            throw new MachineException($"{CaFile} is not a CA certificate; remove it or choose another --tls-cert-path", ExitCodes.InvalidArgument);
        if (authority.NotAfter.ToUniversalTime() - now.UtcDateTime < RenewBefore)
        {
            notes.Add($"replaced the CA that expires {authority.NotAfter:u}: clients need the new ca.pem");
            return null;
        }
        notes.Add("reused the CA");
        return authority;
    }

    /// <summary>A certificate and key in the directory that the CA issued and that still fit, else null.</summary>
    private static X509Certificate2? ExistingLeaf(string certFile, string keyFile, X509Certificate2 authority, DateTimeOffset now,
        Func<X509Certificate2, bool> rightUsage, Func<X509Certificate2, bool> fits)
    {
        if (!System.IO.File.Exists(certFile) || !System.IO.File.Exists(keyFile))
            return null;
        try
        {
            var leaf = X509Certificate2.CreateFromPem(FirstPem(System.IO.File.ReadAllText(certFile)), System.IO.File.ReadAllText(keyFile));
            bool usable = leaf.NotAfter.ToUniversalTime() - now.UtcDateTime >= RenewBefore && rightUsage(leaf) && fits(leaf) && ChainsTo(leaf, authority, now);
            return usable ? leaf : null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null; // unreadable or a key that is not the certificate's: issue a new pair
        }
    }

    private (X509Certificate2, X509Certificate2Collection, X509Certificate2Collection) BroughtServer(
        string certFile, string keyFile, TlsRequest request, DateTimeOffset now, List<string> notes, List<string> warnings)
    {
        X509Certificate2 server;
        X509Certificate2Collection all;
        try
        {
            server = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            all = [];
            all.ImportFromPemFile(certFile);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new MachineException($"--tls-server-cert {certFile} with --tls-server-key {keyFile}: {e.Message}", ExitCodes.InvalidArgument);
        }
        if (server.NotAfter.ToUniversalTime() <= now.UtcDateTime || server.NotBefore.ToUniversalTime() > now.UtcDateTime)
            throw new MachineException($"--tls-server-cert {certFile} is not valid now (valid {server.NotBefore:u} to {server.NotAfter:u})", ExitCodes.InvalidArgument);
        if (!CertificateFactory.IsServerCertificate(server))
            throw new MachineException($"--tls-server-cert {certFile} is not for server authentication (its extended key usage lacks serverAuth)", ExitCodes.InvalidArgument);
        if (!Covers(server, request))
            warnings.Add($"--tls-server-cert {certFile} does not name every address of the endpoint ({string.Join(", ", request.DnsNames.Concat(request.Addresses.Select(a => a.ToString())))}); clients that verify it by another name will refuse it");
        var chain = new X509Certificate2Collection();
        foreach (var c in all.Skip(1))
            chain.Add(c);
        var trust = new X509Certificate2Collection();
        if (chain.Count > 0)
            trust.AddRange(chain);
        else if (server.SubjectName.RawData.AsSpan().SequenceEqual(server.IssuerName.RawData))
            trust.Add(X509CertificateLoader.LoadCertificate(server.RawData)); // self-signed: clients trust it directly
        else
            warnings.Add($"--tls-server-cert {certFile} holds no issuer certificate: ca.pem cannot include its CA, so clients need that CA themselves");
        notes.Add($"using the server certificate from {certFile}");
        return (server, chain, trust);
    }

    /// <summary>True when every requested name and address is among the certificate's subject alternative names.</summary>
    public static bool Covers(X509Certificate2 certificate, TlsRequest request)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null)
            return false;
        var dns = san.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ips = san.EnumerateIPAddresses().ToHashSet();
        return request.DnsNames.All(dns.Contains) && request.Addresses.All(ips.Contains);
    }

    public static bool ChainsTo(X509Certificate2 leaf, X509Certificate2 authority, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        return chain.Build(leaf);
    }

    public static X509Certificate2Collection ReadCertificates(string file, string option)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(file);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new MachineException($"{option} {file}: {e.Message}", ExitCodes.InvalidArgument);
        }
        if (certificates.Count == 0)
            throw new MachineException($"{option} {file} holds no PEM certificate", ExitCodes.InvalidArgument);
        return certificates;
    }

    private static X509Certificate2 New(List<string> notes, string note, Func<X509Certificate2> issue)
    {
        notes.Add(note);
        return issue();
    }

    private static X509Certificate2 Note(List<string> notes, string note, X509Certificate2 certificate)
    {
        notes.Add(note);
        return certificate;
    }

    private static string FirstPem(string text)
    {
        const string end = "-----END CERTIFICATE-----";
        int stop = text.IndexOf(end, StringComparison.Ordinal);
        return stop < 0 ? text : text[..(stop + end.Length)];
    }

    private static string Pem(X509Certificate2Collection certificates)
    {
        var text = new StringBuilder();
        foreach (var c in certificates)
            text.Append(c.ExportCertificatePem()).Append('\n');
        return text.ToString();
    }

    private static void WriteFile(string file, string content, bool secret)
    {
        if (System.IO.File.Exists(file) && System.IO.File.ReadAllText(file) == content)
            return;
        string temp = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        // Keys are created readable by their owner only, never briefly wider.
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using (var stream = new FileStream(temp, options))
            stream.Write(Encoding.ASCII.GetBytes(content));
        System.IO.File.Move(temp, file, overwrite: true);
    }
}
