using Microsoft.Extensions.Logging;
using Vic.Engine;
using Vic.ImageC;
using Vic.PortLayer.Qemu;
using Vic.PortLayer.VSphere;
using Vic.Vch.Limits;

namespace Vic.Vch;

/// <summary>Composes the VCH: backend (QEMU, or vSphere with --target) → image service → Docker API server, and runs it until SIGTERM.
/// Stopping the daemon never stops containers (DESIGN rule 2).</summary>
internal static class Daemon
{
    public static async Task<int> RunAsync(DaemonOptions options, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(builder => ConfigureLogging(builder, options.Debug));
        var log = loggerFactory.CreateLogger("vic-vch");
        try
        {
            Directory.CreateDirectory(options.DatastorePath);
            var portLayer = await CreateBackendAsync(options, loggerFactory, log, cancellationToken);
            var facts = await portLayer.Host.GetFactsAsync(cancellationToken);
            log.LogInformation("VCH {Name}: backend {Backend}, accelerator {Accelerator}, guest kernel {Kernel}, datastore {Datastore}",
                options.Name, facts.Backend, facts.Accelerator, facts.GuestKernelVersion, facts.DatastorePath);

            using var images = new ImageService(portLayer.Layers, portLayer.Metadata,
                new ImageServiceOptions { DataDirectory = Path.Combine(options.DatastorePath, "imagec"), Registries = options.Registries },
                loggerFactory.CreateLogger<ImageService>());
            var app = DockerEngineApi.Build(new EngineOptions
            {
                UnixSocketPath = options.SocketPath,
                VchName = options.Name,
                DatastorePath = options.DatastorePath,
                BridgeNetworkPool = options.BridgeNetworkRange,
                ContainerNetworks = options.ContainerNetworks,
                TcpEndpoints = options.TcpEndpoint is string plain && options.Tls is null ? [plain] : [],
                TlsEndpoints = options.TcpEndpoint is string secure && options.Tls is DaemonTls tls ? [TlsFiles.Load(secure, tls)] : [],
            }, portLayer, images, builder => ConfigureLogging(builder, options.Debug));

            await app.StartAsync(cancellationToken);
            await using var admin = AdminHost.Build(options, portLayer, images, log, builder => ConfigureLogging(builder, options.Debug));
            if (admin is not null)
            {
                await admin.StartAsync(cancellationToken);
                log.LogInformation("VCH {Name} serving vicadmin on {Url}", options.Name, Vic.Admin.AdminServer.BoundAddress(admin));
            }
            WritePidFile(options.PidFile);
            log.LogInformation("VCH {Name} serving the Docker API on unix://{Socket}", options.Name, options.SocketPath);
            if (options.TcpEndpoint is string endpoint)
                LogTcp(log, options, endpoint);
            if (options.Limits.Any)
                log.LogInformation("VCH {Name} resource limits: {Limits}", options.Name, options.Limits);
            await app.WaitForShutdownAsync(cancellationToken);
            if (admin is not null)
                await admin.StopAsync(CancellationToken.None);
            log.LogInformation("VCH {Name} stopping; containerVMs keep running", options.Name);
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogCritical(e, "VCH {Name} failed: {Message}", options.Name, e.Message);
            return 1;
        }
        finally
        {
            if (options.PidFile is string pidFile && File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() == Environment.ProcessId.ToString())
                File.Delete(pidFile);
        }
    }

    /// <summary>The one place that picks the backend: vSphere when --target was given, else local QEMU; wrapped in the limits.</summary>
    private static async Task<Vic.PortLayer.PortLayerServices> CreateBackendAsync(DaemonOptions options, ILoggerFactory loggerFactory, ILogger log,
        CancellationToken cancellationToken)
    {
        if (options.VSphere is { } vsphere)
        {
            if (options.VSphereVolumeStores.Count > 0)
                log.LogWarning("VCH {Name}: volume stores {Stores} are not implemented by the vsphere backend yet; volume commands will be refused",
                    options.Name, string.Join(", ", options.VSphereVolumeStores));
            return ResourceLimiter.Apply(await VSphereBackend.CreateAsync(vsphere, loggerFactory, cancellationToken),
                options.Limits, vsphere.DefaultMemoryBytes, vsphere.DefaultCpus, options.DatastorePath);
        }
        var backendOptions = new QemuBackendOptions
        {
            DatastorePath = options.DatastorePath,
            ContainerBasePath = options.ContainerBasePath,
            Accelerator = options.Accelerator,
            NetworkNamespace = options.NetworkNamespace,
            VolumeStores = options.VolumeStores,
        };
        return ResourceLimiter.Apply(await QemuBackend.CreateAsync(backendOptions, loggerFactory, cancellationToken),
            options.Limits, backendOptions.DefaultMemoryBytes, backendOptions.DefaultCpus, options.DatastorePath);
    }

    private static void LogTcp(ILogger log, DaemonOptions options, string endpoint)
    {
        if (options.Tls is null)
            log.LogWarning("VCH {Name} serving the Docker API on tcp://{Endpoint} WITHOUT TLS: anyone who can reach it controls this VCH", options.Name, endpoint);
        else if (options.Tls.ClientCaPath is null)
            log.LogWarning("VCH {Name} serving the Docker API on tcp://{Endpoint} with TLS but no client verification: anyone who can reach it controls this VCH", options.Name, endpoint);
        else
            log.LogInformation("VCH {Name} serving the Docker API on tcp://{Endpoint} with mutual TLS", options.Name, endpoint);
    }

    private static void WritePidFile(string? path)
    {
        if (path is null)
            return;
        string temp = path + ".tmp";
        File.WriteAllText(temp, Environment.ProcessId + "\n");
        File.Move(temp, path, overwrite: true);
    }

    private static void ConfigureLogging(ILoggingBuilder builder, bool debug) =>
        builder.SetMinimumLevel(debug ? LogLevel.Debug : LogLevel.Information)
            .AddFilter("Microsoft.AspNetCore", debug ? LogLevel.Information : LogLevel.Warning)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
}
