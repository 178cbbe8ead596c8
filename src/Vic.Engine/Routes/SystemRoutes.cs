using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Http;
using Vic.Engine.Mapping;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>/_ping, /version, /info and /auth (docker login).</summary>
internal sealed class SystemRoutes(EngineOptions options, PortLayerServices portLayer, IImageService images, TimeProvider time) : IRouteGroup
{
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("OK");

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/_ping", [HttpMethods.Get, HttpMethods.Head], PingAsync);
        routes.MapGet("/version", VersionAsync);
        routes.MapGet("/info", InfoAsync);
        routes.MapPost("/auth", LoginAsync);
    }

    /// <summary>docker login: the registry checks the credentials; nothing is stored on the VCH (the client keeps them).</summary>
    private async Task LoginAsync(HttpContext context)
    {
        var config = await RegistryAuth.ReadBodyAsync(context.Request, context.RequestAborted);
        var result = await images.LoginAsync(config.ServerAddress ?? "", RegistryAuth.ToCredentials(config), context.RequestAborted);
        await DockerResults.WriteJsonAsync(context, new AuthResponse(result.Status, result.IdentityToken), EngineJson.Default.AuthResponse);
    }

    private static async Task PingAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
        response.Headers.Pragma = "no-cache";
        response.ContentLength = Ok.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
            await response.Body.WriteAsync(Ok, context.RequestAborted);
    }

    private async Task VersionAsync(HttpContext context)
    {
        var facts = await portLayer.Host.GetFactsAsync(context.RequestAborted);
        string arch = Architecture();
        var details = new Dictionary<string, string>
        {
            ["ApiVersion"] = ApiVersion.Current.ToString(),
            ["MinAPIVersion"] = ApiVersion.Minimum.ToString(),
            ["Os"] = "linux",
            ["Arch"] = arch,
            ["KernelVersion"] = facts.GuestKernelVersion,
            ["Experimental"] = "false",
            // The CLI prints these under "Go version" and "Git commit": the runtime and build we actually are.
            ["GoVersion"] = RuntimeInformation.FrameworkDescription,
            ["GitCommit"] = GitCommit(),
            ["Backend"] = facts.Backend,
            ["Accelerator"] = facts.Accelerator,
        };
        await DockerResults.WriteJsonAsync(context, new VersionResponse
        {
            Platform = new PlatformName($"vic {options.ProductVersion} ({facts.Backend}, {facts.Accelerator})"),
            Components = [new ComponentVersion("Engine", options.ProductVersion, details)],
            Version = options.ProductVersion,
            ApiVersion = ApiVersion.Current.ToString(),
            MinAPIVersion = ApiVersion.Minimum.ToString(),
            GoVersion = RuntimeInformation.FrameworkDescription,
            GitCommit = GitCommit(),
            Arch = arch,
            KernelVersion = facts.GuestKernelVersion,
        }, EngineJson.Default.VersionResponse);
    }

    private async Task InfoAsync(HttpContext context)
    {
        var token = context.RequestAborted;
        var facts = await portLayer.Host.GetFactsAsync(token);
        var containers = await portLayer.Containers.ListAsync(token);
        var imageList = await images.ListAsync(token);
        int running = containers.Count(c => c.Status.State is ContainerRunState.Running or ContainerRunState.Restarting);
        int paused = containers.Count(c => c.Status.State == ContainerRunState.Paused);
        string datastore = string.IsNullOrEmpty(options.DatastorePath) ? facts.DatastorePath : options.DatastorePath;
        // The CLI prints DriverStatus under "Storage Driver": the visible place to say how guests execute.
        List<List<string>> status =
        [
            ["Backend", facts.Backend],
            ["Accelerator", facts.Accelerator],
            ["Datastore", datastore],
            .. RegistryInfo.Status(images.RegistryPolicy),
            // dockerd has no field for where volumes live; a VCH names its stores here ("label: path").
            .. portLayer.Volumes.Stores.Select(s => (List<string>)["VolumeStore", $"{s.Label}: {s.Location}{(s.Shared ? " (shared)" : "")}"]),
        ];
        await DockerResults.WriteJsonAsync(context, new SystemInfo
        {
            ID = options.VchName,
            Containers = containers.Count,
            ContainersRunning = running,
            ContainersPaused = paused,
            ContainersStopped = containers.Count - running - paused,
            Images = imageList.Count,
            DriverStatus = status,
            SystemStatus = status,
            SystemTime = DockerTime.Rfc3339Nano(time.GetUtcNow()),
            KernelVersion = facts.GuestKernelVersion,
            OperatingSystem = string.IsNullOrEmpty(facts.OperatingSystem) ? "vic containerVM" : facts.OperatingSystem,
            Architecture = RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "aarch64" : "x86_64",
            NCPU = facts.Cpus,
            MemTotal = facts.MemoryBytes,
            DockerRootDir = datastore,
            Name = options.VchName,
            ServerVersion = options.ProductVersion,
            Warnings = [.. facts.Warnings],
            RegistryConfig = RegistryInfo.From(images.RegistryPolicy),
            HttpProxy = RegistryPolicy.MaskedProxy(images.RegistryPolicy.HttpProxy),
            HttpsProxy = RegistryPolicy.MaskedProxy(images.RegistryPolicy.HttpsProxy),
            NoProxy = string.Join(',', images.RegistryPolicy.NoProxy),
            Plugins = new PluginsInfo { Volume = [Volumes.VolumeDrivers.Local] },
            Runtimes = new() { [Containers.ContainerRuntime.Default] = new EmptyObject() },
            DefaultRuntime = Containers.ContainerRuntime.Default,
        }, EngineJson.Default.SystemInfo);
    }

    /// <summary>The source revision the SDK stamps after '+' in the informational version, when it knows one.</summary>
    private static string GitCommit()
    {
        string? version = typeof(SystemRoutes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = version?.IndexOf('+') ?? -1;
        return plus < 0 ? "" : version![(plus + 1)..];
    }

    private static string Architecture() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        _ => "amd64",
    };
}
