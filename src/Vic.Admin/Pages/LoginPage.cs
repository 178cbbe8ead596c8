using Microsoft.AspNetCore.Http;

namespace Vic.Admin.Pages;

/// <summary>The only page shown without a login; it carries no VCH data, not even the VCH's name.</summary>
internal static class LoginPage
{
    public static Task WriteAsync(HttpContext context, int status, string message, bool tokenLogin, bool certificateLogin)
    {
        string css = status >= 400 ? "error" : "note";
        string form = tokenLogin
            ? """
              <form class="login" method="post" action="/login">
              <label for="token">Token</label><br><input type="password" id="token" name="token" autocomplete="off" autofocus>
              <button type="submit" id="login">Log in</button></form>
              <p class="note">The token is in the file <code>vic-machine inspect</code> names.</p>
              """
            : "<p class=\"note\">Token login is off for this VCH.</p>";
        string certificate = certificateLogin
            ? "<p class=\"note\">A client certificate issued by this VCH's CA logs in without a token.</p>"
            : "";
        return Html.WriteAsync(context, status, "Log in", $"<p class=\"{css}\" id=\"message\">{Html.E(message)}</p>{form}{certificate}", navigation: false);
    }
}
