using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace Vic.Admin.Pages;

/// <summary>
/// The page frame: plain server-rendered HTML with its style inline. A per-response nonce is the only way a style or
/// script runs (Content-Security-Policy), so nothing is ever fetched from elsewhere and injected markup stays inert.
/// </summary>
internal static class Html
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static Task WriteAsync(HttpContext context, int status, string title, string body, string? script = null, bool navigation = true)
    {
        string nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        string nav = navigation
            ? """
              <nav><a href="/">Health</a><a href="/containers">Containers</a><a href="/vch/log">VCH log</a>
              <a href="/bundle.zip" download>Log bundle (.zip)</a><a href="/bundle.tar.gz" download>Log bundle (.tar.gz)</a>
              <form method="post" action="/logout"><button type="submit" id="logout">Log out</button></form></nav>
              """
            : "";
        string scriptTag = script is null ? "" : $"<script nonce=\"{nonce}\">{script}</script>";
        return response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)} · vicadmin</title><style nonce="{nonce}">{Style}</style></head>
            <body><header><h1>vicadmin</h1>{nav}</header><main><h2>{E(title)}</h2>
            {body}
            </main>{scriptTag}</body></html>
            """, context.RequestAborted);
    }

    private const string Style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2733;background:#f4f6f8}
        header{background:#1d3b57;color:#fff;padding:.6em 1.2em;display:flex;flex-wrap:wrap;align-items:center;gap:1.5em}
        header h1{font-size:1.2em;margin:0}nav{display:flex;flex-wrap:wrap;gap:1em;align-items:center}
        nav a{color:#cfe3f5;text-decoration:none}nav a:hover{color:#fff}nav form{margin:0}
        main{padding:1em 1.5em;max-width:80em}h2{margin-top:.2em}
        table{border-collapse:collapse;background:#fff;min-width:30em}th,td{text-align:left;padding:.35em .8em;border-bottom:1px solid #dde3e9}
        th{background:#e8edf2}td.num{text-align:right}.state-running{color:#17753a;font-weight:600}.state-exited{color:#8a5a00}
        pre.log{background:#0f1720;color:#d8e1ea;padding:.8em;max-height:70vh;overflow:auto;white-space:pre-wrap;word-break:break-all}
        pre.log .err{color:#ff9a8a}.error{color:#a4161a;font-weight:600}.note{color:#5b6875}
        form.login{background:#fff;padding:1.2em;display:inline-block;border:1px solid #dde3e9}
        input[type=password]{width:28em;padding:.3em}button{padding:.3em 1em}
        """;
}
