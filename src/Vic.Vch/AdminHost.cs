using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Vic.Admin;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Vch;

/// <summary>Composes vicadmin from the daemon's options: the Docker endpoint's certificate and client CAs, the
/// token file, the daemon's log, and the QEMU backend's per-container diagnostic files.</summary>
internal static class AdminHost
{
    public static WebApplication? Build(DaemonOptions options, PortLayerServices portLayer, IImageService images, ILogger log, Action<ILoggingBuilder> logging)
    {
        if (options.Admin is not DaemonAdmin admin)
            return null;
        if (options.Tls is not DaemonTls tls || options.TcpEndpoint is null)
        {
            log.LogWarning("VCH {Name}: vicadmin is off: it is served over HTTPS only, and this VCH has no TLS certificate (--tls-cert)", options.Name);
            return null;
        }
        var certificates = TlsFiles.Load(admin.Address, tls);
        var adminOptions = new AdminOptions
        {
            Address = admin.Address,
            Certificate = certificates.Certificate,
            Chain = certificates.Chain,
            ClientCertificateAuthorities = certificates.ClientCertificateAuthorities,
            TokenFile = admin.TokenFile,
            VchName = options.Name,
            Version = typeof(AdminHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0",
            ApiEndpoints = ApiEndpoints(options),
            DaemonLogFiles = options.LogFile is string file ? [file] : [],
            ConfigurationFiles = admin.ConfigurationFiles,
            CommandLine = Environment.GetCommandLineArgs(),
        };
        var sources = new AdminSources(portLayer.Containers, portLayer.Interaction, portLayer.Host, images)
        {
            // The QEMU backend keeps the guest's serial console of the last boot beside the VM (boot diagnostics).
            DiagnosticFiles = info => info.Location.Length == 0 ? [] : [("console.log", Path.Combine(info.Location, "console.log"))],
        };
        return AdminServer.Build(adminOptions, sources, logging);
    }

    private static IReadOnlyList<string> ApiEndpoints(DaemonOptions options)
    {
        var endpoints = new List<string> { "unix://" + options.SocketPath };
        if (options.TcpEndpoint is string tcp)
        {
            string security = options.Tls is null ? "no TLS" : options.Tls.ClientCaPath is null ? "TLS, no client verification" : "mutual TLS";
            endpoints.Add($"tcp://{tcp} ({security})");
        }
        return endpoints;
    }
}
