namespace Vic.Vsphere;

/// <summary>
/// The server's TLS certificate was not trusted: its thumbprint did not match the one configured, or it does not
/// chain to a trusted CA. The message names the thumbprint seen, so an operator can compare it out of band.
/// </summary>
public sealed class VsphereCertificateException(string message, string seenSha1Thumbprint, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>SHA-1 of the certificate the server presented, colon-separated upper-case hex.</summary>
    public string SeenThumbprint { get; } = seenSha1Thumbprint;
}
