using Microsoft.AspNetCore.Http;
using Vic.Admin.Pages;

namespace Vic.Admin.Auth;

/// <summary>
/// The one gate in front of every vicadmin page, stream and download: a client certificate from the VCH's CA, or a
/// session cookie from a token login. Anything else gets the login page with 401 and no VCH data. Only the login
/// form itself passes without either.
/// </summary>
internal sealed class AdminAuthMiddleware(RequestDelegate next, SessionStore sessions, AdminOptions options, TokenCheck tokens)
{
    public const string CookieName = "vicadmin_session";

    /// <summary>HttpContext.Items key holding how the request logged in ("client certificate CN=..." or "token").</summary>
    public const string PrincipalKey = "vicadmin.principal";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Equals("/login", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }
        if (Principal(context) is string principal)
        {
            context.Items[PrincipalKey] = principal;
            await next(context);
            return;
        }
        await LoginPage.WriteAsync(context, StatusCodes.Status401Unauthorized, "Log in to see this VCH.", tokens.Enabled, options.ClientCertificateAuthorities is not null);
    }

    private string? Principal(HttpContext context)
    {
        var certificate = context.Connection.ClientCertificate;
        if (ClientCertificateCheck.IsTrusted(certificate, options.ClientCertificateAuthorities))
            return "client certificate " + certificate!.Subject;
        return sessions.IsValid(context.Request.Cookies[CookieName]) ? "token" : null;
    }

    /// <summary>HttpOnly (no script reads it), Secure (HTTPS only), SameSite=Strict (no cross-site request carries it).</summary>
    public static CookieOptions CookieOptions(TimeSpan lifetime) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        MaxAge = lifetime,
        IsEssential = true,
    };
}
