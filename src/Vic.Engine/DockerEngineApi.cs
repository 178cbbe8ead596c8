using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.Engine.Exec;
using Vic.Engine.Hijack;
using Vic.Engine.Http;
using Vic.Engine.Images;
using Vic.Engine.Routes;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine;

/// <summary>The Docker API server of a VCH: the hosting contract the VCH daemon composes.</summary>
public static class DockerEngineApi
{
    /// <summary>
    /// Builds the Kestrel app: unix socket (and optional plain and TLS TCP) listeners with the connection-level hijack
    /// handling, the version edge, the single error mapping, and one route group per Docker resource.
    /// Start it with StartAsync/RunAsync; stopping it never stops containers.
    /// </summary>
    public static WebApplication Build(EngineOptions options, PortLayerServices portLayer, IImageService images, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.UnixSocketPath);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DockerEngineApi).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        if (logging is not null)
        {
            builder.Logging.ClearProviders();
            logging(builder.Logging);
        }
        AddServices(builder.Services, options, portLayer, images);
        PrepareSocketPath(options.UnixSocketPath);
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureListeners(kestrel, options));

        var app = builder.Build();
        app.Lifetime.ApplicationStarted.Register(() => RestrictSocket(options.UnixSocketPath));
        app.UseMiddleware<ErrorMiddleware>();
        app.UseMiddleware<ApiVersionMiddleware>();
        app.UseRouting();
        foreach (var group in app.Services.GetServices<IRouteGroup>())
            group.Map(app);
        app.MapFallback(_ => throw new NotFoundException("page not found"));
        return app;
    }

    private static void AddServices(IServiceCollection services, EngineOptions options, PortLayerServices portLayer, IImageService images)
    {
        services.AddSingleton(options);
        // Volume changes become events wherever they are made; the broker is looked up when the first is published
        // (it needs the port layer itself, so it cannot be built before it).
        services.AddSingleton(sp => portLayer with
        {
            Volumes = new Volumes.EventingVolumeStore(portLayer.Volumes, sp.GetRequiredService<EventBroker>),
        });
        services.AddSingleton(images);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ContainerResolver>();
        services.AddSingleton<Networks.NetworkConnections>();
        services.AddSingleton<Networks.NetworkService>();
        services.AddHostedService(sp => sp.GetRequiredService<Networks.NetworkService>());
        services.AddSingleton<Networks.PortPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<Networks.PortPublisher>());
        services.AddSingleton<Networks.DnsServer>();
        services.AddHostedService(sp => sp.GetRequiredService<Networks.DnsServer>());
        services.AddSingleton<Networks.OutboundProxy>();
        services.AddHostedService(sp => sp.GetRequiredService<Networks.OutboundProxy>());
        services.AddSingleton<ContainerFactory>();
        services.AddSingleton<Volumes.MountResolver>();
        services.AddSingleton<ContainerFilter>();
        services.AddSingleton<ContainerSizes>();
        services.AddSingleton<ImageFilter>();
        services.AddSingleton<ImageEvents>();
        services.AddSingleton<ImagePruner>();
        services.AddSingleton<StartFailures>();
        services.AddSingleton<AttachStreamer>();
        services.AddSingleton<AttachHijack>();
        services.AddSingleton<ExecService>();
        services.AddHostedService(sp => sp.GetRequiredService<ExecService>());
        services.AddSingleton<ExecHijack>();
        services.AddSingleton<ProcessTable>();
        services.AddSingleton(sp => new EventJournal(options.EventHistoryPath, options.EventHistoryLimit, sp.GetRequiredService<ILogger<EventJournal>>()));
        services.AddSingleton<EventBroker>();
        services.AddHostedService(sp => sp.GetRequiredService<EventBroker>());
        services.AddHostedService<ContainerSupervisor>();
        services.AddSingleton<Health.HealthStates>();
        services.AddSingleton(sp => new Health.HealthStore(sp.GetRequiredService<PortLayerServices>().Metadata));
        services.AddSingleton<Health.IProbeClock, Health.SystemProbeClock>();
        services.AddSingleton<Health.IHealthProbe, Health.ExecHealthProbe>();
        services.AddSingleton<Health.HealthMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<Health.HealthMonitor>());
        services.AddSingleton<IRouteGroup, SystemRoutes>();
        services.AddSingleton<IRouteGroup, ContainerRoutes>();
        services.AddSingleton<IRouteGroup, ContainerQueryRoutes>();
        services.AddSingleton<IRouteGroup, ContainerStreamRoutes>();
        services.AddSingleton<IRouteGroup, ContainerStatsRoutes>();
        services.AddSingleton<IRouteGroup, ContainerMaintenanceRoutes>();
        services.AddSingleton<IRouteGroup, ImageRoutes>();
        services.AddSingleton<IRouteGroup, DistributionRoutes>();
        services.AddSingleton<IRouteGroup, EventRoutes>();
        services.AddSingleton<IRouteGroup, ExecRoutes>();
        services.AddSingleton<IRouteGroup, NetworkRoutes>();
        services.AddSingleton<IRouteGroup, VolumeRoutes>();
        services.AddSingleton<IRouteGroup, DiskUsageRoutes>();
        services.AddSingleton<IRouteGroup, ArchiveRoutes>();
        services.AddSingleton<IRouteGroup, CommitRoutes>();
        services.AddSingleton<IRouteGroup, SwarmRoutes>();
        services.AddSingleton<IRouteGroup, PluginRoutes>();
        services.AddSingleton<IRouteGroup, BuildRoutes>();
    }

    private static void ConfigureListeners(KestrelServerOptions kestrel, EngineOptions options)
    {
        kestrel.AddServerHeader = false; // dockerd's Server header is set at the edge
        kestrel.Limits.MaxRequestBodySize = null; // docker load sends whole image archives
        kestrel.ListenUnixSocket(options.UnixSocketPath, UseHijack);
        foreach (string endpoint in options.TcpEndpoints)
            kestrel.Listen(ParseEndpoint(endpoint), UseHijack);
        foreach (var endpoint in options.TlsEndpoints)
            kestrel.Listen(ParseEndpoint(endpoint.Address), listen => UseTls(listen, endpoint));
    }

    private static IPEndPoint ParseEndpoint(string endpoint) =>
        IPEndPoint.TryParse(endpoint, out var address) && address.Port != 0
            ? address
            : throw new ArgumentException($"TCP endpoint \"{endpoint}\" is not an address:port", nameof(endpoint));

    /// <summary>TLS first, so the hijack peek and Kestrel see decrypted bytes. HTTP/1.1 only: docker clients
    /// speak it, and a hijacked stream cannot ride an HTTP/2 connection.</summary>
    private static void UseTls(ListenOptions listen, TlsEndpoint endpoint)
    {
        listen.Protocols = HttpProtocols.Http1;
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = endpoint.Certificate,
            ServerCertificateChain = endpoint.Chain,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CheckCertificateRevocation = false,
            ClientCertificateMode = endpoint.ClientCertificateAuthorities is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = endpoint.ClientCertificateAuthorities is { } authorities
                ? (certificate, _, _) => ClientCertificateTrust.IsTrusted(certificate, authorities)
                : null,
        });
        UseHijack(listen);
    }

    private static void UseHijack(ListenOptions listen) =>
        listen.Use(next => new HijackConnectionHandler(next, () => listen.ApplicationServices).OnConnectionAsync);

    /// <summary>Creates the socket's directory and removes a stale socket left by a previous run.</summary>
    private static void PrepareSocketPath(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        if (File.Exists(path))
            File.Delete(path);
    }

    /// <summary>Owner and group only (660), as dockerd leaves its socket.</summary>
    private static void RestrictSocket(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
    }
}
