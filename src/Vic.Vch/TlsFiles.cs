using System.Security.Cryptography.X509Certificates;
using Vic.Engine;

namespace Vic.Vch;

/// <summary>Loads the daemon's PEM files into the Docker API server's TLS endpoint.</summary>
internal static class TlsFiles
{
    public static TlsEndpoint Load(string address, DaemonTls tls)
    {
        var certificate = X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);
        // Certificates after the first in the server file are its chain (intermediates), sent in the handshake.
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(tls.CertificatePath);
        var chain = new X509Certificate2Collection();
        foreach (var c in all.Skip(1))
            chain.Add(c);
        X509Certificate2Collection? clientCas = null;
        if (tls.ClientCaPath is string caPath)
        {
            clientCas = [];
            clientCas.ImportFromPemFile(caPath);
            if (clientCas.Count == 0)
                throw new InvalidDataException($"{caPath} holds no certificate: no client could ever connect");
        }
        return new TlsEndpoint { Address = address, Certificate = certificate, Chain = chain, ClientCertificateAuthorities = clientCas };
    }
}
