using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Vic.Admin.Auth;
using Vic.Admin.Bundle;

namespace Vic.Admin;

/// <summary>vicadmin: the VCH admin's HTTPS web UI, hosted in the VCH daemon's process on a port of its own.</summary>
public static class AdminServer
{
    /// <summary>
    /// Builds the Kestrel app: one HTTPS listener with the VCH's certificate, the login gate, the pages. Start it with
    /// StartAsync; stopping it touches nothing in the VCH. <paramref name="time"/> is for tests (sessions, uptime).
    /// </summary>
    public static WebApplication Build(AdminOptions options, AdminSources sources, Action<ILoggingBuilder>? logging = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(AdminServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        if (logging is not null)
        {
            builder.Logging.ClearProviders();
            logging(builder.Logging);
        }
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(sources);
        services.TryAddSingleton(time ?? TimeProvider.System);
        services.AddSingleton(sp => new SessionStore(sp.GetRequiredService<TimeProvider>(), options.SessionLifetime));
        services.AddSingleton(new TokenCheck(options.TokenFile));
        services.AddSingleton<VchView>();
        services.AddSingleton<LogBundle>();
        services.AddSingleton<AdminRoutes>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(ParseEndpoint(options.Address), listen => UseHttps(listen, options));
        });

        var app = builder.Build();
        app.Use(SecurityHeaders);
        app.UseMiddleware<AdminAuthMiddleware>();
        app.UseRouting();
        app.Services.GetRequiredService<AdminRoutes>().Map(app);
        return app;
    }

    /// <summary>"https://127.0.0.1:2378" as bound (port 0 resolved) once the app has started.</summary>
    public static string BoundAddress(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("vicadmin is not listening yet");

    /// <summary>
    /// A client certificate is asked for but not required: without one the token login is offered. Kestrel accepts
    /// any certificate at the handshake; <see cref="AdminAuthMiddleware"/> decides whether it chains to the VCH's CA,
    /// so a certificate from elsewhere gets the login page rather than a broken connection.
    /// </summary>
    private static void UseHttps(ListenOptions listen, AdminOptions options)
    {
        listen.Protocols = HttpProtocols.Http1AndHttp2;
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = options.Certificate,
            ServerCertificateChain = options.Chain,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CheckCertificateRevocation = false,
            ClientCertificateMode = options.ClientCertificateAuthorities is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (_, _, _) => true,
        });
    }

    /// <summary>Nothing vicadmin serves may be cached, sniffed into another type, framed, or leak its URL onward.</summary>
    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.StrictTransportSecurity = "max-age=31536000";
        return next();
    }

    private static IPEndPoint ParseEndpoint(string endpoint) =>
        IPEndPoint.TryParse(endpoint, out var address)
            ? address
            : throw new ArgumentException($"vicadmin address \"{endpoint}\" is not an address:port", nameof(endpoint));
}
