using System.Text;
using Microsoft.AspNetCore.Http;
using Vic.Admin.Logs;

namespace Vic.Admin.Pages;

/// <summary>
/// A log tail: the last lines rendered on the server (readable without JavaScript), then a small inline script
/// follows the same log over Server-Sent Events from <c>streamUrl</c>, replacing the static lines with the live ones.
/// </summary>
internal static class LogPage
{
    public static Task WriteAsync(HttpContext context, string title, IReadOnlyList<LogLine> lines, string streamUrl)
    {
        var body = new StringBuilder()
            .Append("<p class=\"note\">Last ").Append(lines.Count).Append(" lines; <span id=\"follow\">live updates need JavaScript</span>.</p>")
            .Append("<pre class=\"log\" id=\"log\" data-stream=\"").Append(Html.E(streamUrl)).Append("\">");
        foreach (var line in lines)
        {
            if (line.Error)
                body.Append("<span class=\"err\">").Append(Html.E(line.Text)).Append('\n').Append("</span>");
            else
                body.Append(Html.E(line.Text)).Append('\n');
        }
        body.Append("</pre>");
        return Html.WriteAsync(context, StatusCodes.Status200OK, title, body.ToString(), Script);
    }

    private const string Script = """
        (function () {
          var pre = document.getElementById('log'), state = document.getElementById('follow'), fresh = true;
          var source = new EventSource(pre.dataset.stream);
          function add(text, error) {
            if (fresh) { pre.textContent = ''; fresh = false; }
            var span = document.createElement('span');
            if (error) span.className = 'err';
            span.textContent = text + '\n';
            pre.appendChild(span);
            pre.scrollTop = pre.scrollHeight;
          }
          source.onopen = function () { state.textContent = 'following'; };
          source.addEventListener('line', function (e) { add(e.data, false); });
          source.addEventListener('stderr', function (e) { add(e.data, true); });
          source.addEventListener('end', function () { source.close(); state.textContent = 'the log ended'; });
          source.onerror = function () { source.close(); state.textContent = 'disconnected; reload to follow again'; };
        })();
        """;
}
