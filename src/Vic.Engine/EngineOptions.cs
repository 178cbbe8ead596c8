namespace Vic.Engine;

/// <summary>Where and as what the Docker API server serves. The VCH daemon builds this from its own options.</summary>
public sealed record EngineOptions
{
    /// <summary>Serve the API on this unix socket (parent directory created, a stale socket replaced, mode 660).</summary>
    public required string UnixSocketPath { get; init; }

    /// <summary>Shown as Name in docker info.</summary>
    public string VchName { get; init; } = "vch";

    /// <summary>Shown as the server version and in the Server header ("Docker/&lt;version&gt; (linux)").</summary>
    public string ProductVersion { get; init; } = "0.1.0";

    /// <summary>Shown in docker info (DockerRootDir, DriverStatus).</summary>
    public string DatastorePath { get; init; } = "";

    /// <summary>Extra plain-HTTP endpoints, "127.0.0.1:2375" (dockerd's -H tcp:// without --tls).</summary>
    public IReadOnlyList<string> TcpEndpoints { get; init; } = [];

    /// <summary>TCP endpoints served over TLS, with or without client certificate verification.</summary>
    public IReadOnlyList<TlsEndpoint> TlsEndpoints { get; init; } = [];
}
