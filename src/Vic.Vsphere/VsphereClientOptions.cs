using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Vic.Vsphere;

/// <summary>How to reach and log in to a vCenter or ESXi host.</summary>
public sealed record VsphereClientOptions
{
    /// <summary>Environment variables <see cref="FromEnvironment"/> reads.</summary>
    public const string UrlVariable = "VIC_VSPHERE_URL", UserVariable = "VIC_VSPHERE_USER",
        PasswordVariable = "VIC_VSPHERE_PASSWORD", ThumbprintVariable = "VIC_VSPHERE_THUMBPRINT";

    /// <summary>The SDK endpoint, "https://host/sdk"; a URL without a path gets "/sdk".</summary>
    public required Uri Url { get; init; }

    public required string Username { get; init; }

    public required string Password { get; init; }

    /// <summary>
    /// The server certificate's SHA-1 or SHA-256 thumbprint (hex, colons optional). When set, exactly that
    /// certificate is accepted, whoever signed it; when null, the certificate must chain to
    /// <see cref="TrustedCertificates"/> or, if that is null too, to the system's CAs, and match the host name.
    /// </summary>
    public string? Thumbprint { get; init; }

    /// <summary>CA certificates trusted instead of the system's (ignored when <see cref="Thumbprint"/> is set).</summary>
    public X509Certificate2Collection? TrustedCertificates { get; init; }

    /// <summary>
    /// How often an idle session is kept alive with CurrentTime; null turns keep-alive off. vCenter expires idle
    /// sessions after 30 minutes by default, so the default stays well inside that.
    /// </summary>
    public TimeSpan? KeepAliveInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Limit on one HTTP exchange. Long-polls (WaitForUpdatesEx) ask the server for less than this.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The SDK URL, with "/sdk" added when the URL has no path.</summary>
    public Uri SdkUrl => Url.AbsolutePath is "" or "/" ? new Uri(Url, "/sdk") : Url;

    /// <summary>Options from VIC_VSPHERE_URL/USER/PASSWORD/THUMBPRINT, each overridden by a non-null argument.</summary>
    public static VsphereClientOptions FromEnvironment(Uri? url = null, string? username = null, string? password = null, string? thumbprint = null)
    {
        static string Required(string? value, string variable) =>
            !string.IsNullOrEmpty(value) ? value : throw new ArgumentException($"{variable} is not set and no value was given");
        return new VsphereClientOptions
        {
            Url = url ?? new Uri(Required(Environment.GetEnvironmentVariable(UrlVariable), UrlVariable)),
            Username = username ?? Required(Environment.GetEnvironmentVariable(UserVariable), UserVariable),
            Password = password ?? Required(Environment.GetEnvironmentVariable(PasswordVariable), PasswordVariable),
            Thumbprint = thumbprint ?? Environment.GetEnvironmentVariable(ThumbprintVariable),
        };
    }

    /// <summary>Records print every member; the password must never reach a log.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Url = {Url}, Username = {Username}, Password = ***, Thumbprint = {Thumbprint}");
        return true;
    }
}
