namespace Vic.Machine.Tls;

/// <summary>How a VCH's TCP endpoint is secured.</summary>
internal enum TlsMode
{
    /// <summary>Mutual TLS (the default): clients need a certificate from the VCH's CA or a --tls-ca.</summary>
    Verify,
    /// <summary>Server TLS only (--no-tlsverify): traffic is encrypted, but any client may connect.</summary>
    ServerOnly,
    /// <summary>Plain TCP (--no-tls): anyone who reaches the port controls the VCH.</summary>
    Off,
}
