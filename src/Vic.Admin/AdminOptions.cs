using System.Security.Cryptography.X509Certificates;

namespace Vic.Admin;

/// <summary>How vicadmin is served and what it shows about its VCH. The daemon fills it from its own options.</summary>
public sealed record AdminOptions
{
    /// <summary>"127.0.0.1:2378" or "[::1]:2378"; port 0 binds a free port (see <see cref="AdminServer.BoundAddress"/>).</summary>
    public required string Address { get; init; }

    /// <summary>The VCH's server certificate with its key: vicadmin is HTTPS only.</summary>
    public required X509Certificate2 Certificate { get; init; }

    public X509Certificate2Collection Chain { get; init; } = [];

    /// <summary>CAs whose client certificates (with clientAuth) log in without a token; null: token login only.</summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }

    /// <summary>File holding the login token (vic-machine writes it 0600); null or missing: token login is off.</summary>
    public string? TokenFile { get; init; }

    public required string VchName { get; init; }
    public required string Version { get; init; }

    /// <summary>Where clients reach the Docker API ("unix:///...", "tcp://127.0.0.1:2376 (mutual TLS)").</summary>
    public IReadOnlyList<string> ApiEndpoints { get; init; } = [];

    /// <summary>The VCH daemon's own log files, oldest first; the last one is tailed live.</summary>
    public IReadOnlyList<string> DaemonLogFiles { get; init; } = [];

    /// <summary>Configuration files put in the log bundle with secrets masked (e.g. vic-machine's vch.json).</summary>
    public IReadOnlyList<string> ConfigurationFiles { get; init; } = [];

    /// <summary>The daemon's effective settings, shown in the bundle (masked like the files).</summary>
    public IReadOnlyList<string> CommandLine { get; init; } = [];

    /// <summary>How long a token login lasts without a new login.</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Lines a log tail shows before it follows.</summary>
    public int TailLines { get; init; } = 200;
}
