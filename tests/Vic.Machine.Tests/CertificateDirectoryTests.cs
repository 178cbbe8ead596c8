using System.Net;
using System.Security.Cryptography.X509Certificates;
using Vic.Machine.Tls;

namespace Vic.Machine.Tests;

public sealed class CertificateDirectoryTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private TlsRequest Request(TlsMode mode = TlsMode.Verify, IReadOnlyList<string>? dns = null, string? serverCert = null, string? serverKey = null,
        IReadOnlyList<string>? cas = null) => new()
    {
        VchName = "t",
        CertPath = _temp.File("certs"),
        Mode = mode,
        DnsNames = dns ?? ["localhost"],
        Addresses = [IPAddress.Loopback],
        ServerCertFile = serverCert,
        ServerKeyFile = serverKey,
        ExtraClientCaFiles = cas ?? [],
    };

    private CertificateDirectory Directory() => new(_temp.File("certs"));

    private TlsPlan PlanAndWrite(TlsRequest request)
    {
        var plan = Directory().Plan(request, Now);
        Directory().Write(plan);
        return plan;
    }

    [Fact]
    public void Generated_material_uses_docker_cli_file_names_and_chains_to_the_ca()
    {
        var plan = PlanAndWrite(Request());
        var dir = Directory();
        foreach (string file in new[] { "ca.pem", "cert.pem", "key.pem", "server-cert.pem", "server-key.pem", "ca-key.pem", "client-ca.pem" })
            Assert.True(File.Exists(_temp.File("certs/" + file)), file);
        foreach (string key in new[] { dir.CaKeyFile, dir.ServerKeyFile, dir.ClientKeyFile })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));

        var ca = X509CertificateLoader.LoadCertificateFromFile(dir.CaFile);
        var server = X509Certificate2.CreateFromPemFile(dir.ServerCertFile, dir.ServerKeyFile);
        var client = X509Certificate2.CreateFromPemFile(dir.ClientCertFile, dir.ClientKeyFile);
        Assert.True(server.HasPrivateKey && client.HasPrivateKey);
        Assert.True(CertificateDirectory.ChainsTo(server, ca, Now));
        Assert.True(CertificateDirectory.ChainsTo(client, ca, Now));
        Assert.True(CertificateFactory.IsServerCertificate(server));
        Assert.False(CertificateFactory.IsClientCertificate(server));
        Assert.True(CertificateFactory.IsClientCertificate(client));
        var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback], san.EnumerateIPAddresses());
        Assert.Equal(["generated a CA", "generated a server certificate for localhost, 127.0.0.1", "generated a client certificate"], plan.Notes);
    }

    [Fact]
    public void Matching_certificates_are_reused_byte_for_byte()
    {
        PlanAndWrite(Request());
        var before = Directory().AllFiles.ToDictionary(f => f, File.ReadAllText);
        var plan = PlanAndWrite(Request());
        Assert.Equal(["reused the CA", "reused the server certificate", "reused the client certificate"], plan.Notes);
        foreach (var (file, text) in before)
            Assert.Equal(text, File.ReadAllText(file));
    }

    [Fact]
    public void A_new_name_reissues_only_the_server_certificate()
    {
        PlanAndWrite(Request());
        string client = File.ReadAllText(Directory().ClientCertFile), ca = File.ReadAllText(Directory().CaFile);
        var plan = PlanAndWrite(Request(dns: ["localhost", "vch.example.test"]));
        Assert.Equal("reused the CA", plan.Notes[0]);
        Assert.StartsWith("generated a server certificate for localhost, vch.example.test", plan.Notes[1]);
        Assert.Equal(client, File.ReadAllText(Directory().ClientCertFile));
        Assert.Equal(ca, File.ReadAllText(Directory().CaFile));
        var server = X509CertificateLoader.LoadCertificateFromFile(Directory().ServerCertFile);
        Assert.Contains("vch.example.test", server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
    }

    [Fact]
    public void A_client_certificate_from_another_ca_is_replaced()
    {
        PlanAndWrite(Request());
        var stranger = CertificateFactory.IssueClient(CertificateFactory.CreateAuthority("other", Now), "intruder", Now);
        File.WriteAllText(Directory().ClientCertFile, stranger.ExportCertificatePem());
        File.WriteAllText(Directory().ClientKeyFile, CertificateFactory.PrivateKeyPem(stranger));
        var plan = PlanAndWrite(Request());
        Assert.Equal("generated a client certificate", plan.Notes[2]);
        var ca = X509CertificateLoader.LoadCertificateFromFile(Directory().CaFile);
        Assert.True(CertificateDirectory.ChainsTo(X509CertificateLoader.LoadCertificateFromFile(Directory().ClientCertFile), ca, Now));
    }

    [Fact]
    public void A_ca_without_its_key_is_refused_before_anything_is_written()
    {
        System.IO.Directory.CreateDirectory(_temp.File("certs"));
        File.WriteAllText(Directory().CaFile, CertificateFactory.CreateAuthority("theirs", Now).ExportCertificatePem());
        var error = Assert.Throws<MachineException>(() => Directory().Plan(Request(), Now));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
        Assert.Contains("without ca-key.pem", error.Message);
        Assert.Single(System.IO.Directory.GetFiles(_temp.File("certs")));
    }

    [Fact]
    public void Server_only_mode_issues_no_client_certificate()
    {
        var plan = PlanAndWrite(Request(TlsMode.ServerOnly));
        Assert.Null(plan.Client);
        Assert.False(File.Exists(Directory().ClientCertFile));
        Assert.False(File.Exists(Directory().ClientCaBundleFile));
    }

    [Fact]
    public void Extra_client_cas_join_the_bundle_the_daemon_trusts()
    {
        var other = CertificateFactory.CreateAuthority("partner CA", Now);
        File.WriteAllText(_temp.File("partner.pem"), other.ExportCertificatePem());
        var plan = PlanAndWrite(Request(cas: [_temp.File("partner.pem")]));
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(Directory().ClientCaBundleFile);
        Assert.Equal([plan.Authority.Thumbprint, other.Thumbprint], bundle.Select(c => c.Thumbprint));
    }

    [Fact]
    public void A_brought_server_certificate_is_used_and_its_issuer_goes_into_ca_pem()
    {
        var theirCa = CertificateFactory.CreateAuthority("their CA", Now);
        var theirs = CertificateFactory.IssueServer(theirCa, ["vch.example.test"], [], Now);
        File.WriteAllText(_temp.File("server.pem"), theirs.ExportCertificatePem() + "\n" + theirCa.ExportCertificatePem());
        File.WriteAllText(_temp.File("server.key"), CertificateFactory.PrivateKeyPem(theirs));
        var plan = PlanAndWrite(Request(serverCert: _temp.File("server.pem"), serverKey: _temp.File("server.key")));
        Assert.Equal(theirs.Thumbprint, plan.Server.Thumbprint);
        Assert.Contains(plan.Warnings, w => w.Contains("does not name every address"));
        var trust = new X509Certificate2Collection();
        trust.ImportFromPemFile(Directory().CaFile);
        Assert.Equal([plan.Authority.Thumbprint, theirCa.Thumbprint], trust.Select(c => c.Thumbprint));
        // The client certificate still comes from the VCH's own CA.
        Assert.True(CertificateDirectory.ChainsTo(plan.Client!, plan.Authority, Now));
    }

    [Fact]
    public void A_brought_key_that_is_not_the_certificates_is_refused()
    {
        var ca = CertificateFactory.CreateAuthority("their CA", Now);
        var one = CertificateFactory.IssueServer(ca, ["a.test"], [], Now);
        var two = CertificateFactory.IssueServer(ca, ["a.test"], [], Now);
        File.WriteAllText(_temp.File("server.pem"), one.ExportCertificatePem());
        File.WriteAllText(_temp.File("server.key"), CertificateFactory.PrivateKeyPem(two));
        var error = Assert.Throws<MachineException>(() => Directory().Plan(Request(serverCert: _temp.File("server.pem"), serverKey: _temp.File("server.key")), Now));
        Assert.Equal(ExitCodes.InvalidArgument, error.ExitCode);
        Assert.False(System.IO.Directory.Exists(_temp.File("certs")));
    }

    [Fact]
    public void Serial_numbers_are_positive_and_unique()
    {
        var ca = CertificateFactory.CreateAuthority("ca", Now);
        var serials = Enumerable.Range(0, 20).Select(_ => CertificateFactory.IssueClient(ca, "c", Now).SerialNumberBytes.ToArray()).ToList();
        // SerialNumberBytes is big-endian: the first byte carries the sign.
        Assert.All(serials, s => Assert.True(s.Length == 16 && s[0] is > 0 and < 0x80));
        Assert.Equal(serials.Count, serials.Select(Convert.ToHexString).Distinct().Count());
    }
}
