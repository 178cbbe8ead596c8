using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Admin.Auth;
using Vic.Admin.Bundle;
using Vic.Admin.Logs;
using Vic.Admin.Pages;

namespace Vic.Admin;

/// <summary>vicadmin's pages, live log streams and bundle downloads. Every route here is behind
/// <see cref="AdminAuthMiddleware"/> except the login form.</summary>
internal sealed class AdminRoutes(AdminOptions options, AdminSources sources, VchView view, SessionStore sessions, TokenCheck tokens, LogBundle bundle, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/login", context => LoginPage.WriteAsync(context, StatusCodes.Status200OK, "Log in to see this VCH.", tokens.Enabled, options.ClientCertificateAuthorities is not null));
        app.MapPost("/login", LoginAsync);
        app.MapPost("/logout", context =>
        {
            Logout(context);
            return Task.CompletedTask;
        });
        app.MapGet("/", async context => await HealthPage.WriteAsync(context, await view.HealthAsync(context.RequestAborted), Principal(context)));
        app.MapGet("/containers", async context => await ContainersPage.WriteAsync(context, await view.ContainersAsync(context.RequestAborted)));
        app.MapGet("/containers/{id}/log", ContainerLogAsync);
        app.MapGet("/containers/{id}/log/stream", ContainerLogStreamAsync);
        app.MapGet("/vch/log", DaemonLogAsync);
        app.MapGet("/vch/log/stream", context =>
            TypedResults.ServerSentEvents(Events(DaemonLines(follow: true, context.RequestAborted), context.RequestAborted)).ExecuteAsync(context));
        app.MapGet("/bundle.zip", context => DownloadAsync(context, zip: true));
        app.MapGet("/bundle.tar.gz", context => DownloadAsync(context, zip: false));
        app.MapFallback(context => Html.WriteAsync(context, StatusCodes.Status404NotFound, "Not found", "<p class=\"error\">There is no such page.</p>"));
    }

    private static string Principal(HttpContext context) => context.Items[AdminAuthMiddleware.PrincipalKey] as string ?? "";

    private async Task LoginAsync(HttpContext context)
    {
        string? token = context.Request.HasFormContentType ? (await context.Request.ReadFormAsync(context.RequestAborted))["token"].ToString() : null;
        if (!tokens.Matches(token))
        {
            await LoginPage.WriteAsync(context, StatusCodes.Status401Unauthorized, "That token is not valid for this VCH.", tokens.Enabled, options.ClientCertificateAuthorities is not null);
            return;
        }
        // A fresh session per login; an old cookie the browser may still send is ended.
        sessions.End(context.Request.Cookies[AdminAuthMiddleware.CookieName]);
        context.Response.Cookies.Append(AdminAuthMiddleware.CookieName, sessions.Create(), AdminAuthMiddleware.CookieOptions(sessions.Lifetime));
        context.Response.Redirect("/", permanent: false);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private void Logout(HttpContext context)
    {
        sessions.End(context.Request.Cookies[AdminAuthMiddleware.CookieName]);
        context.Response.Cookies.Delete(AdminAuthMiddleware.CookieName, AdminAuthMiddleware.CookieOptions(TimeSpan.Zero));
        context.Response.Redirect("/login", permanent: false);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private static string RouteId(HttpContext context) => context.Request.RouteValues["id"] as string ?? "";

    private async Task ContainerLogAsync(HttpContext context)
    {
        string id = RouteId(context);
        if (await view.FindAsync(id, context.RequestAborted) is not { } container)
        {
            await NoSuchContainerAsync(context, id);
            return;
        }
        var lines = await ToListAsync(OutputLines.ReadAsync(sources.Interaction, container.Id, options.TailLines, follow: false, context.RequestAborted));
        await LogPage.WriteAsync(context, $"Log of container {container.Name} ({container.StateText})", lines,
            "/containers/" + Uri.EscapeDataString(container.Id) + "/log/stream");
    }

    private async Task ContainerLogStreamAsync(HttpContext context)
    {
        if (await view.FindAsync(RouteId(context), context.RequestAborted) is not { } container)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await TypedResults.ServerSentEvents(Events(OutputLines.ReadAsync(sources.Interaction, container.Id, options.TailLines, follow: true, context.RequestAborted), context.RequestAborted))
            .ExecuteAsync(context);
    }

    private async Task DaemonLogAsync(HttpContext context)
    {
        var lines = await ToListAsync(DaemonLines(follow: false, context.RequestAborted));
        string title = options.DaemonLogFiles.Count == 0 ? "VCH log (not kept in a file)" : "VCH log " + options.DaemonLogFiles[^1];
        await LogPage.WriteAsync(context, title, lines, "/vch/log/stream");
    }

    private IAsyncEnumerable<LogLine> DaemonLines(bool follow, CancellationToken cancellationToken) =>
        options.DaemonLogFiles.Count == 0
            ? AsyncEnumerable.Empty<LogLine>()
            : FileTail.ReadAsync(options.DaemonLogFiles[^1], options.TailLines, follow, PollInterval, time, cancellationToken);

    /// <summary>Each line as an SSE event ("line", or "stderr" for a container's stderr), then "end" when the log ends,
    /// so the page's EventSource closes instead of reconnecting and replaying the tail.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Events(IAsyncEnumerable<LogLine> lines, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var line in lines.WithCancellation(cancellationToken))
            yield return new SseItem<string>(line.Text, line.Error ? "stderr" : "line");
        yield return new SseItem<string>("", "end");
    }

    private async Task DownloadAsync(HttpContext context, bool zip)
    {
        var at = time.GetUtcNow();
        string root = bundle.Root(at);
        string temp = Path.Combine(Path.GetTempPath(), $"vicadmin-{Guid.NewGuid():N}");
        await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite); // logs of the VCH: owner only
        var entries = bundle.EntriesAsync(at, context.RequestAborted);
        if (zip)
            await BundleArchive.WriteZipAsync(entries, root, file, at, context.RequestAborted);
        else
            await BundleArchive.WriteTarGzAsync(entries, root, file, at, context.RequestAborted);
        file.Position = 0;
        context.Response.ContentType = zip ? "application/zip" : "application/gzip";
        context.Response.ContentLength = file.Length;
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{root}{(zip ? ".zip" : ".tar.gz")}\"";
        await file.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static Task NoSuchContainerAsync(HttpContext context, string id) =>
        Html.WriteAsync(context, StatusCodes.Status404NotFound, "No such container", $"<p class=\"error\">No such container: {Html.E(id)}</p>");

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
            list.Add(item);
        return list;
    }
}
